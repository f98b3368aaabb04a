// A Redis Cluster (3 masters + 3 replicas) on TLS only, with an ACL user and the default user off:
// clients, the cluster bus and replication all on TLS under a private CA the test makes with openssl.
// The fleet shares through it with REDIS_CLUSTER_NODES + REDIS_USERNAME/REDIS_PASSWORD + REDIS_TLS=1 +
// REDIS_TLS_CA_FILE; with a wrong password, or without the CA, a gateway still serves, says
// redis_up 0, says why by kind (WRONGPASS, the certificate's error code), and the password is nowhere.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTlsFiles, type RedisCluster, redisCli, startRedisCluster } from '../../../../scripts/cluster.mjs';
import { type Fleet, projectId, startFleet } from './harness.js';
import { STORE_ENV, servesWithoutRedis, sharesAcrossReplicas } from './topologies-cases.js';

const P = { shared: projectId(401), burst: projectId(402), refused: projectId(403) };
const TOKEN = 'MIIcluster-tls-acl-token-shared-by-callers';
const USER = 'dbss-gateway';
const PASSWORD = 'cluster-acl-password-Wn3kP8xR5vQ2mZ7j';
const WRONG = 'wrong-cluster-password-Lb6tY1cF9hS4dG0e';

describe('fleet on a Redis Cluster over TLS with an ACL user (default user off)', () => {
  let dir: string;
  let cluster: RedisCluster;
  let fleet: Fleet;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbss-redis-cluster-tls-'));
    const tls = await makeTlsFiles(dir);
    cluster = await startRedisCluster({ masters: 3, replicas: 1, tls, user: USER, password: PASSWORD });
    fleet = await startFleet({
      redis: false,
      replicas: 2,
      tokens: { [TOKEN]: { projects: '*' } },
      projects: Object.values(P),
      env: { ...STORE_ENV, ...cluster.env },
    });
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    await cluster?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shares through the TLS cluster as the ACL user: cached via one replica, answered by the other', async () => {
    expect(cluster.env.REDIS_TLS).toBe('1');
    await sharesAcrossReplicas(fleet, TOKEN, P.shared, P.burst);
    // What was shared sits in the cluster (reached over TLS as the ACL user), not in a fallback.
    let keys = 0;
    for (const port of await cluster.masters())
      keys += Number(await redisCli([...cluster.cli, '-p', String(port), 'dbsize']));
    expect(keys).toBeGreaterThan(0);
  }, 60_000);

  it.each<{ what: string; env: Record<string, string>; reason: RegExp }>([
    // Why, by kind only (a reply's first word or a TLS error's code), never the message.
    { what: 'a wrong password', env: { REDIS_PASSWORD: WRONG }, reason: /"reason":"WRONGPASS"/ },
    // ioredis loads a cluster's slot map on a connection of its own whose TLS error it drops (it says
    // "Connection is closed."): the kind comes from one plain connection to a node (RedisStore.diagnose).
    {
      what: 'no REDIS_TLS_CA_FILE (the private CA untrusted)',
      env: { REDIS_TLS_CA_FILE: '' },
      reason: /"reason":"(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)"/,
    },
  ])(
    '$what: the gateway serves from its own state, reports redis_up 0, and shows the password nowhere',
    async ({ env, reason }) => {
      const redisEnv: Record<string, string> = { ...cluster.env, ...env };
      for (const [k, v] of Object.entries(redisEnv)) if (v === '') delete redisEnv[k];
      await servesWithoutRedis(fleet, {
        redisEnv,
        token: TOKEN,
        project: P.refused,
        secrets: [WRONG, PASSWORD],
        reason,
      });
    },
    30_000,
  );
});
