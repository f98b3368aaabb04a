// A Redis on --tls-port only, its certificate signed by a private CA the test makes with openssl, an
// ACL user and the default user off: the fleet shares through it with REDIS_URL=rediss://user:pw@…
// and REDIS_TLS_CA_FILE; with a wrong password a gateway still serves, says redis_up 0, and the
// password is nowhere.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { makeTlsFiles, type RedisServer, startRedis } from '../../../../scripts/cluster.mjs';
import { type Fleet, projectId, startFleet } from './harness.js';
import { STORE_ENV, servesWithoutRedis, sharesAcrossReplicas } from './topologies-cases.js';

const P = { shared: projectId(301), burst: projectId(302), wrong: projectId(303) };
const TOKEN = 'MIItls-acl-token-shared-by-many-callers-01';
const USER = 'dbss-gateway';
const PASSWORD = 'acl-password-Zq8vR2mK5tY9wX3nB7cL';
const WRONG = 'wrong-password-Hf4jD8sA1gP6uE0oI2';

describe('fleet on TLS + an ACL user (default user off)', () => {
  let dir: string;
  let tls: { ca: string; cert: string; key: string };
  let redis: RedisServer;
  let fleet: Fleet;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbss-redis-tls-'));
    tls = await makeTlsFiles(dir);
    redis = await startRedis({
      tls,
      args: ['--user', 'default', 'off', '--user', USER, 'on', `>${PASSWORD}`, '~*', '&*', '+@all'],
    });
    fleet = await startFleet({
      redis: false,
      replicas: 2,
      tokens: { [TOKEN]: { projects: '*' } },
      projects: Object.values(P),
      env: {
        ...STORE_ENV,
        REDIS_URL: `rediss://${USER}:${PASSWORD}@127.0.0.1:${redis.port}/0`,
        REDIS_TLS_CA_FILE: tls.ca,
      },
    });
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
    await redis?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shares through TLS with the ACL user: cached via one replica, answered by the other', async () => {
    await sharesAcrossReplicas(fleet, TOKEN, P.shared, P.burst);
  }, 60_000);

  it('a wrong password: the gateway serves from its own state, reports redis_up 0, and shows the password nowhere', async () => {
    await servesWithoutRedis(fleet, {
      redisEnv: { REDIS_URL: `rediss://${USER}:${WRONG}@127.0.0.1:${redis.port}/0`, REDIS_TLS_CA_FILE: tls.ca },
      token: TOKEN,
      project: P.wrong,
      secrets: [WRONG, PASSWORD],
      reason: /"reason":"WRONGPASS"/,
    });
  });
});
