// The Redis variables: each topology read into one connection description, and every mistake an exit 2
// at start that names the variables and never echoes a password.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_BIN } from '../../../../scripts/cluster.mjs';
import { gatewayConfigFromEnv } from '../../src/config.js';
import { describeRedis } from '../../src/shared/redis-config.js';

const base = { DBSS_ENDPOINT: 'http://127.0.0.1:9', GATEWAY_STORE_SECRET: 'topology-config-store-secret-0123456789' };
const SECRET = 'pa55-w0rd-that-must-never-show-Xy7';
const dir = mkdtempSync(join(tmpdir(), 'dbss-redis-config-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const redisOf = (env: Record<string, string>) => gatewayConfigFromEnv({ ...base, ...env }).redis;

describe('Redis topology variables', () => {
  it('REDIS_URL: user, password, db, and rediss:// with a private CA', () => {
    expect(
      redisOf({ REDIS_URL: `rediss://gw:${encodeURIComponent(SECRET)}@10.0.0.5:6380/2`, REDIS_TLS_CA_FILE: caFile }),
    ).toEqual({
      topology: 'single',
      node: { host: '10.0.0.5', port: 6380 },
      db: 2,
      username: 'gw',
      password: SECRET,
      tls: { ca: expect.stringContaining('BEGIN CERTIFICATE') },
    });
    expect(redisOf({ REDIS_URL: 'redis://127.0.0.1' })).toMatchObject({ node: { port: 6379 }, db: 0, tls: undefined });
  });

  it('REDIS_CLUSTER_NODES with REDIS_USERNAME, REDIS_PASSWORD and REDIS_TLS', () => {
    const c = redisOf({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002',
      REDIS_USERNAME: 'gw',
      REDIS_PASSWORD: SECRET,
      REDIS_TLS: '1',
    });
    expect(c).toEqual({
      topology: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'gw',
      password: SECRET,
      tls: {},
    });
    expect(describeRedis(c!)).toBe('cluster 10.0.0.1:7000 (+2) tls');
  });

  it('REDIS_SENTINELS with REDIS_SENTINEL_MASTER', () => {
    const c = redisOf({ REDIS_SENTINELS: '127.0.0.1:26379,127.0.0.1:26380', REDIS_SENTINEL_MASTER: 'mymaster' });
    expect(c).toMatchObject({
      topology: 'sentinel',
      master: 'mymaster',
      sentinels: [{ port: 26379 }, { port: 26380 }],
    });
    expect(describeRedis(c!)).toBe('sentinel mymaster via 127.0.0.1:26379 (+1)');
  });

  it.each([
    [{ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' }, 'REDIS_URL', /REDIS_URL and REDIS_CLUSTER_NODES/],
    [
      { REDIS_URL: `redis://:${SECRET}@a:1`, REDIS_CLUSTER_NODES: 'b:2', REDIS_SENTINELS: 'c:3' },
      'REDIS_URL',
      /REDIS_URL and REDIS_CLUSTER_NODES and REDIS_SENTINELS/,
    ],
    [{ REDIS_SENTINELS: 'c:3' }, 'REDIS_SENTINEL_MASTER', /REDIS_SENTINEL_MASTER must be set/],
    [{ REDIS_SENTINEL_MASTER: 'm' }, 'REDIS_SENTINEL_MASTER', /without REDIS_SENTINELS/],
    [{ REDIS_URL: `http://:${SECRET}@a:1` }, 'REDIS_URL', /redis:\/\/ or rediss:\/\//],
    [{ REDIS_URL: `redis://:${SECRET}@a:99999` }, 'REDIS_URL', /bad port|not a URL/],
    [{ REDIS_URL: `redis://:${SECRET}@a:1/x` }, 'REDIS_URL', /database/],
    [{ REDIS_URL: `redis://:${SECRET}@a:1`, REDIS_TLS_CA_FILE: caFile }, 'REDIS_TLS_CA_FILE', /not TLS/],
    [
      { REDIS_URL: `rediss://:${SECRET}@a:1`, REDIS_TLS_CA_FILE: join(dir, 'missing.pem') },
      'REDIS_TLS_CA_FILE',
      /ENOENT/,
    ],
    [{ REDIS_URL: 'redis://a:1', REDIS_PASSWORD: SECRET }, 'REDIS_PASSWORD', /in the URL/],
    [{ REDIS_CLUSTER_NODES: 'a:1,b' }, 'REDIS_CLUSTER_NODES', /entry 2/],
    [{ REDIS_CLUSTER_NODES: 'a:1', REDIS_USERNAME: 'gw' }, 'REDIS_PASSWORD', /with REDIS_USERNAME/],
    [{ REDIS_CLUSTER_NODES: 'a:1', REDIS_TLS: 'maybe' }, 'REDIS_TLS', /1 or 0/],
    [{ REDIS_PASSWORD: SECRET }, 'REDIS_PASSWORD', /no Redis is/],
  ])('%o fails naming %s, never echoing the password', (env, variable, message) => {
    let err: unknown;
    try {
      redisOf(env as Record<string, string>);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CONFIG_ERROR', variable });
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('the bin exits 2 naming the variables set, before any connection, without the password', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [GATEWAY_BIN], {
        env: { PATH: process.env.PATH, ...base, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const both = run({ REDIS_URL: `redis://:${SECRET}@127.0.0.1:1`, REDIS_SENTINELS: '127.0.0.1:2' });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/REDIS_URL and REDIS_SENTINELS are set together/);
    expect(both.stderr + both.stdout).not.toContain(SECRET);
    const noMaster = run({ REDIS_SENTINELS: '127.0.0.1:2' });
    expect(noMaster.status).toBe(2);
    expect(noMaster.stderr).toMatch(/REDIS_SENTINEL_MASTER/);
  });
});
