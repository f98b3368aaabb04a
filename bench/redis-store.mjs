// What the gateway's Redis store costs per request on one server and on a Redis Cluster, apart from the
// gateway: one process, CONCURRENCY callers (17: what one of 3 replicas sees at c=50), each doing what
// a request does on the load that asks Redis most (a caller-limit hit, a coalesced call that finds
// nothing kept, its release), every one as a new caller. Three rows, loaded in turn, BENCH_STORE_ROUNDS
// (4) rounds of BENCH_STORE_SECONDS (3) each:
//   single    RedisStore on one redis-server (the baseline)
//   cluster   RedisStore on a 3+3 Redis Cluster (ioredis' Cluster, as the gateway runs it)
//   per-master three RedisStores, one per cluster master over a plain connection, each call sent to
//              the master that owns its slot: the most a cluster client of our own could save (it
//              has no MOVED handling; not something to ship, a bound to measure against)
// Prints operations/s, the client's CPU per operation, and each Redis server's CPU per operation.
// `node --import tsx bench/redis-store.mjs`
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startRedis, startRedisCluster } from '../scripts/cluster.mjs';
import { cpuSeconds, table } from './lib.mjs';

// The store is not part of the gateway package's API: read from its source (run under tsx: `node
// --import tsx bench/redis-store.mjs`, as bench/run.mjs does).
const { RedisStore, createSealer, redisConnectionFromEnv } = await import('../apps/gateway/src/shared/index.ts');
// cluster-key-slot: ioredis' own slot function (a dependency of the gateway's ioredis).
const gatewayRequire = createRequire(fileURLToPath(new URL('../apps/gateway/package.json', import.meta.url)));
const keySlot = createRequire(gatewayRequire.resolve('ioredis'))('cluster-key-slot');

const CONCURRENCY = Number(process.env.BENCH_STORE_CONCURRENCY ?? 17);
const SECONDS = Number(process.env.BENCH_STORE_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_STORE_ROUNDS ?? 4);
const SECRET = randomBytes(32).toString('base64url');
const PREFIX = 'dbss-obs:';

const storeOn = (connection) => new RedisStore({ connection, secret: SECRET, keyPrefix: PREFIX });
/** Connected (as FallbackStore connects it in the gateway) and answering. */
const ready = async (store) => {
  if (!(await store.connect(10_000))) throw new Error('a store did not connect to Redis');
  await store.ping();
  return store;
};

/** The store a group's keys go to: the one store, or the store on the master that owns their slot. */
function perMaster(cluster, stores) {
  const sealer = createSealer(SECRET, PREFIX);
  const route = (key) => stores.get(cluster.redis.slots[keySlot(sealer.key('x', key))][0]);
  return {
    hit: (key, ...a) => route(key).hit(key, ...a),
    coalesce: (key, ...a) => route(key).coalesce(key, ...a),
  };
}

async function load(store, pids) {
  let ops = 0;
  let stop = false;
  const caller = async () => {
    while (!stop) {
      const group = randomBytes(16).toString('base64url');
      const hit = await store.hit([group, 'rate'], 1e9, 60_000);
      if (!hit.allowed) throw new Error('a hit was refused');
      await store.coalesce([group, 'call'], 10_000, async () => 'answer', 60_000, {
        keys: [
          [group, 'refused'],
          [group, 'buckets'],
        ],
        use: () => undefined,
      });
      ops++;
    }
  };
  const callers = Array.from({ length: CONCURRENCY }, caller);
  const [ops0, cpu0, at0, servers0] = [ops, process.cpuUsage(), performance.now(), pids.map(cpuSeconds)];
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const [ops1, cpu1, at1, servers1] = [ops, process.cpuUsage(cpu0), performance.now(), pids.map(cpuSeconds)];
  stop = true;
  await Promise.all(callers);
  const n = ops1 - ops0;
  return {
    n,
    seconds: (at1 - at0) / 1000,
    clientUs: cpu1.user + cpu1.system,
    serversUs: servers1.map((s, i) => (s - servers0[i]) * 1e6),
  };
}

const single = await startRedis();
const cluster = await startRedisCluster();
const stores = [];
try {
  const one = storeOn(redisConnectionFromEnv({ REDIS_URL: single.url }));
  const clustered = storeOn(redisConnectionFromEnv(cluster.env));
  stores.push(one, clustered);
  await ready(one);
  await ready(clustered);
  const masterPorts = await cluster.masters();
  const byMaster = new Map();
  for (const port of masterPorts) {
    const store = storeOn(redisConnectionFromEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    stores.push(store);
    byMaster.set(`127.0.0.1:${port}`, await ready(store));
  }
  // Masters first, then replicas, in every row's server column.
  const clusterPids = [
    ...cluster.nodes.filter((n) => masterPorts.includes(n.port)),
    ...cluster.nodes.filter((n) => !masterPorts.includes(n.port)),
  ].map((n) => n.child.pid);
  const rows = [
    ['single', one, [single.child.pid]],
    ['cluster', clustered, clusterPids],
    ['per-master', perMaster(clustered, byMaster), clusterPids],
  ];
  // Warm-up, not counted.
  for (const [, store, pids] of rows) await load(store, pids);
  const totals = new Map(rows.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, store, pids] of rows.map((_r, i) => rows[(i + round) % rows.length]))
      totals.get(name).push(await load(store, pids));
  const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
  const figures = (name) => {
    const xs = totals.get(name);
    const n = sum(xs, (x) => x.n);
    return {
      opsPerSecond: n / sum(xs, (x) => x.seconds),
      clientUs: sum(xs, (x) => x.clientUs) / n,
      serversUs: xs[0].serversUs.map((_s, i) => sum(xs, (x) => x.serversUs[i]) / n),
    };
  };
  const base = figures('single');
  const out = [
    [
      'store',
      'operations/s',
      '÷ single',
      'client CPU µs / op',
      'client ÷ single',
      'Redis CPU µs / op, all servers',
      'each server (masters, then replicas)',
    ],
  ];
  for (const [name] of rows) {
    const f = figures(name);
    const servers = sum(f.serversUs, (x) => x);
    out.push([
      name,
      f.opsPerSecond.toFixed(0),
      (f.opsPerSecond / base.opsPerSecond).toFixed(2),
      f.clientUs.toFixed(0),
      (f.clientUs / base.clientUs).toFixed(2),
      servers.toFixed(0),
      f.serversUs.map((x) => x.toFixed(0)).join(' '),
    ]);
  }
  console.log(
    `\n## redis store: ${CONCURRENCY} concurrent callers in one process, a new caller per operation (limit hit, coalesced call, release), ${ROUNDS} rounds of ${SECONDS} s in turn\n`,
  );
  console.log(table(out));
} finally {
  await Promise.all(stores.map((s) => s.close()));
  await single.kill();
  await cluster.kill();
}
