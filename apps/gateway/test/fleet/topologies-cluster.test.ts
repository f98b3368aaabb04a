// Three gateway processes on a real Redis Cluster (3 masters + 3 replicas, made by redis-cli --cluster
// create): coalescing, isolation and the fleet rate limit across slots, and a master SIGKILLed under load.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCluster, roleOf, startRedisCluster } from '../../../../scripts/cluster.mjs';
import { redisConnectionFromEnv } from '../../src/shared/redis-config.js';
import { RedisStore } from '../../src/shared/redis-store.js';
import { type Fleet, projectId, sleep, startFleet } from './harness.js';
import {
  burstMakesOneCall,
  failoverUnderLoad,
  fleetRateLimitIsExact,
  noCrossCallerData,
  STORE_ENV,
  served,
} from './topologies-cases.js';

const P = {
  burst: projectId(101),
  leak: [projectId(102), projectId(103), projectId(104)],
  limit: projectId(105),
  load: [projectId(106), projectId(107)],
  after: projectId(108),
};
const TOKEN = 'MIIcluster-token-shared-by-many-callers-01';
const LIMITED = 'MIIcluster-rate-limited-caller-000000001';
// The failover load is not a rate-limit test: its callers must never meet GATEWAY_RATE_LIMIT (LIMIT per
// minute each, GCRA: LIMIT at once, then LIMIT/60 per second). 60 callers may pass 60 × (600 + 10 × 10)
// = 42,000 requests in the 10 s load, far above what this machine serves (≈ 1,700/s on 2 cores); 10
// callers (7,000) were met on a fast CI run (309 RATE_LIMITED answers).
const LOAD = Array.from({ length: 60 }, (_, i) => `MIIcluster-load-token-${String(i).padStart(2, '0')}-abcdef`);
const leakTokens = Array.from({ length: 20 }, (_, i) => ({
  token: `MIIcluster-leak-token-${String(i).padStart(2, '0')}-abcdef`,
  projects: i % 5 === 0 ? [P.leak[i % 3]!, P.leak[(i + 1) % 3]!] : [P.leak[i % 3]!],
}));
const LIMIT = 600;

/** Every key on the node at `port` (a master holds only its own slots' keys). */
async function keysOn(port: number): Promise<string[]> {
  const raw = new Redis({ port, host: '127.0.0.1' });
  try {
    return await raw.keys('*');
  } finally {
    raw.disconnect();
  }
}

describe('fleet on a Redis Cluster (3 masters, 3 replicas)', () => {
  let cluster: RedisCluster;
  let fleet: Fleet;

  beforeAll(async () => {
    // No skip: without redis-server (and redis-cli) this fails, saying how to install it.
    cluster = await startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
    fleet = await startFleet({
      redis: false,
      tokens: {
        [TOKEN]: { projects: '*' },
        [LIMITED]: { projects: '*' },
        ...Object.fromEntries(LOAD.map((t) => [t, { projects: '*' as const }])),
        ...Object.fromEntries(leakTokens.map((t) => [t.token, { projects: t.projects }])),
      },
      projects: [P.burst, ...P.leak, P.limit, ...P.load, P.after],
      env: { ...STORE_ENV, ...cluster.env, GATEWAY_RATE_LIMIT: String(LIMIT) },
    });
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
    await cluster?.kill('SIGKILL');
  });

  it('300 identical concurrent queries over 3 replicas make exactly 1 upstream call', async () => {
    await burstMakesOneCall(fleet, TOKEN, P.burst);
  }, 60_000);

  it('20 tokens × 3 replicas × 3 projects at once: no answer holds data its token may not see', async () => {
    await noCrossCallerData(fleet, leakTokens, P.leak);
  });

  it('the fleet rate limit is exact across replicas and slots', async () => {
    await fleetRateLimitIsExact(fleet, LIMITED, P.limit, LIMIT);
  });

  it('coalescing waiters on other cluster connections are woken by the holder, not by polling', async () => {
    // Polling once a minute: only the holder's PUBLISH (broadcast by the cluster to every node, so to
    // whichever node each subscriber sits on) can end the wait within the test's time.
    const stores = [0, 1, 2].map(
      () =>
        new RedisStore({
          connection: redisConnectionFromEnv(cluster.env),
          secret: STORE_ENV.GATEWAY_STORE_SECRET,
          pollMs: 60_000,
        }),
    );
    try {
      for (const s of stores) expect(await s.connect()).toBe(true);
      for (const key of ['wake-a', 'wake-b', 'wake-c']) {
        let calls = 0;
        const fn = async () => {
          calls++;
          await sleep(300);
          return key;
        };
        const first = stores[0]!.coalesce(key, 5000, fn);
        await sleep(50);
        const t0 = Date.now();
        expect(
          await Promise.all([first, stores[1]!.coalesce(key, 5000, fn), stores[2]!.coalesce(key, 5000, fn)]),
        ).toEqual([key, key, key]);
        expect(calls).toBe(1);
        expect(Date.now() - t0).toBeLessThan(10_000);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('peeked lock steps and limit hits of 200 callers in one tick each reach their own master: none fails', async () => {
    // ioredis' cluster auto-pipelining puts a command in the pipeline of its first argument's node: a
    // script called with a key count first would share a pipeline with other nodes' keys, and the
    // whole pipeline fail. Each caller's keys (one group) are in one slot; the callers spread over all.
    const errors: unknown[] = [];
    const store = new RedisStore({
      connection: redisConnectionFromEnv(cluster.env),
      secret: STORE_ENV.GATEWAY_STORE_SECRET,
      onError: (err) => errors.push(err),
    });
    try {
      expect(await store.connect()).toBe(true);
      const groups = Array.from({ length: 200 }, (_, i) => `peek-caller-${i}`);
      await store.set([groups[0]!, 'entry'], 'kept', 60_000);
      let calls = 0;
      const answers = await Promise.all(
        groups.flatMap((g) => [
          store.hit([g, 'limit'], 10, 60_000).then((r) => (r.allowed ? 'allowed' : 'refused')),
          store.coalesce(
            [g, 'lock'],
            5000,
            async (peeked) => {
              calls++;
              return `called, read ${JSON.stringify(peeked)}`;
            },
            undefined,
            {
              keys: [
                [g, 'refused'],
                [g, 'entry'],
              ],
              use: (v) => v[1],
            },
          ),
        ]),
      );
      expect(errors).toEqual([]);
      expect(answers.filter((a) => a === 'allowed')).toHaveLength(200);
      expect(answers.filter((a) => a === 'called, read [null,null]')).toHaveLength(199);
      expect(answers).toContain('kept');
      expect(calls).toBe(199);
    } finally {
      await store.close();
    }
  });

  it('the gateway spreads its keys over the masters, and none holds a token', async () => {
    // Written now (keys of the tests above may have expired on a slow machine): every leak token's projects.
    const warm = leakTokens.flatMap((t) =>
      t.projects.map((p, i) => fleet.query(i % fleet.replicas.length, t.token, p)),
    );
    for (const a of await Promise.all(warm)) expect(served(a)).toBe(true);
    const masters = await cluster.masters();
    const perMaster = await Promise.all(masters.map(keysOn));
    for (const keys of perMaster) expect(keys.length).toBeGreaterThan(0);
    const secrets = [TOKEN, LIMITED, ...LOAD, ...leakTokens.map((t) => t.token), STORE_ENV.GATEWAY_STORE_SECRET];
    for (const k of perMaster.flat()) for (const s of secrets) expect(k).not.toContain(s);
  });

  it('the master owning the most gateway keys is SIGKILLed during a 10 s load: 0 failed requests, sharing back within 10 s of the promotion', async () => {
    // Warm the load's keys first, then pick the master that holds the most of them.
    for (const t of LOAD) for (const p of P.load) await fleet.query(0, t, p);
    const masters = await cluster.masters();
    const counts = (await Promise.all(masters.map(keysOn))).map((keys) => keys.length);
    const victim = masters[counts.indexOf(Math.max(...counts))]!;
    const successor = await cluster.replicaOf(victim);
    const r = await failoverUnderLoad(fleet, {
      tokens: LOAD,
      projects: P.load,
      after: P.after,
      kill: () => cluster.nodes.find((n) => n.port === victim)!.kill('SIGKILL'),
      promoted: async () => (await roleOf(successor)) === 'master',
      withinMs: 10_000,
    });
    process.stderr.write(`cluster failover: ${JSON.stringify(r)}\n`);
  }, 90_000);
});
