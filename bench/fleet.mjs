// Fleet: 3 gateway replicas sharing one redis-server beside 3 replicas each on its own (no
// REDIS_URL), same upstream (the emulator, own process), 50 connections spread over the replicas.
// Prints req/s and upstream calls per request, and each Redis figure ÷ its no-Redis twin; the two
// run alternately, BENCH_FLEET_ROUNDS times each, and the best run of each counts.
// Then one row per Redis topology (single server, Redis Cluster 3+3, Sentinel 1+1 with 3 sentinels)
// for two loads of distinct tokens, each ÷ single: the gateway's defaults, and the load that asks Redis
// most (no cache, rate limit on). The three fleets run at once and take the load in turn,
// BENCH_FLEET_SLICE_SECONDS (2) at a time, for BENCH_FLEET_TOPOLOGY_ROUNDS (8) rounds. Every fleet first gets a warm-up load that is not counted
// (BENCH_FLEET_WARMUP_SECONDS, 2; for the topology fleets BENCH_FLEET_TOPOLOGY_WARMUP_SECONDS, 6).
// `node bench/fleet.mjs topologies` runs only those rows.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { startReplicas, startTopology, TOPOLOGIES } from '../scripts/cluster.mjs';
import { cpuSeconds, median, startProcess, table } from './lib.mjs';

const SERVERS = new URL('./servers.mjs', import.meta.url).pathname;
const DURATION = Number(process.env.BENCH_FLEET_SECONDS ?? 6);
const CONNECTIONS = 50;
const REPLICAS = 3;
// The emulator's pool of bench tokens (servers.mjs upstream, BENCH_TOKENS).
const TOKENS = 10_000;
const ROUNDS = Number(process.env.BENCH_FLEET_ROUNDS ?? 2);
// The topology rows: every topology's fleet up at once, loaded in turn, one slice of SLICE seconds
// each per round.
const TOPOLOGY_ROUNDS = Number(process.env.BENCH_FLEET_TOPOLOGY_ROUNDS ?? 8);
const SLICE = Number(process.env.BENCH_FLEET_SLICE_SECONDS ?? 2);
// Load before each measured run, not counted: every fleet starts cold (JIT, connections, scripts).
const WARMUP = Number(process.env.BENCH_FLEET_WARMUP_SECONDS ?? 2);
// The topology fleets get longer: on this machine their req/s still rose for half a minute after 2 s.
const TOPOLOGY_WARMUP = Number(process.env.BENCH_FLEET_TOPOLOGY_WARMUP_SECONDS ?? 6);
// Redis replicas need one (keys are HMACs and values tagged under it): a fresh one per bench run.
const STORE_SECRET = randomBytes(32).toString('base64url');
const { DEMO_PROJECT_ID } = await import('../packages/emulator/dist/index.js');
const QUERY = JSON.stringify({
  query: 'query B($projectId: ID!) { obsBuckets(projectId: $projectId) { bucketName location } }',
  variables: { projectId: DEMO_PROJECT_ID },
});

/**
 * One autocannon per replica, run together; connections split evenly; figures summed. On a distinct
 * load every request carries the next token of the emulator's pool (bench-token-0 …, 10,000; a new
 * caller per request, as the gateway bench sends), else all carry one. Every answer must list the demo
 * buckets (checked in onResponse: autocannon refuses expectBody with per-request setup).
 */
async function load(replicas, distinct, duration = DURATION) {
  let next = 0;
  let bad = 0;
  const runs = replicas.map(
    (r, i) =>
      new Promise((resolve, reject) => {
        autocannon(
          {
            url: r.graphql,
            method: 'POST',
            connections: Math.floor(CONNECTIONS / REPLICAS) + (i < CONNECTIONS % REPLICAS ? 1 : 0),
            duration,
            headers: { 'content-type': 'application/json' },
            body: QUERY,
            requests: [
              {
                setupRequest(req) {
                  const token = distinct ? `bench-token-${next++ % TOKENS}` : 'bench-token-0';
                  req.headers = { ...req.headers, 'x-auth-token': token };
                  return req;
                },
                onResponse(status, body) {
                  if (status !== 200 || !body.includes('"obsBuckets":[{"bucketName"')) bad++;
                },
              },
            ],
          },
          (err, result) => (err ? reject(err) : resolve(result)),
        );
      }),
  );
  const results = await Promise.all(runs);
  bad += results.reduce((n, r) => n + r.errors, 0);
  if (bad)
    throw new Error(
      `${bad} failed requests (status codes ${JSON.stringify(results.map((r) => r.statusCodeStats))}, errors ${results.reduce((n, r) => n + r.errors, 0)}, timeouts ${results.reduce((n, r) => n + r.timeouts, 0)})`,
    );
  return {
    rps: results.reduce((n, r) => n + r.requests.average, 0),
    total: results.reduce((n, r) => n + r.requests.total, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
  };
}

const upstream = await startProcess(SERVERS, ['upstream'], undefined, { ...process.env, BENCH_TOKENS: String(TOKENS) });
const upstreamCount = async () => (await (await fetch(`${upstream.url}/__emulator/stats`)).json()).requestCount;

const SCENARIOS = [
  { name: 'one token, no cache (coalescing only)', distinct: false, env: { GATEWAY_CACHE_TTL_MS: '0' } },
  { name: 'one token, cache 1 s', distinct: false, env: { GATEWAY_CACHE_TTL_MS: '1000' } },
  {
    name: 'distinct tokens, no cache, rate limit on',
    distinct: true,
    env: { GATEWAY_CACHE_TTL_MS: '0', GATEWAY_RATE_LIMIT: '10000000' },
  },
];

/** The topology rows' loads: distinct tokens each. */
const TOPOLOGY_LOADS = [
  { name: 'defaults (no cache, no limit)', distinct: true, env: {} },
  { name: 'no cache, rate limit on', distinct: true, env: SCENARIOS.find((x) => x.distinct).env },
];

const rows = [
  [
    'load (c=50 over 3 replicas)',
    'state',
    'req/s',
    'p99 ms',
    'upstream calls / request',
    'req/s ÷ no Redis',
    'CPU µs / request (replicas + Redis)',
    'CPU ÷ no Redis',
  ],
];
const summary = [];

/**
 * A fleet: 3 replicas on `withRedis` (false: each on its own, true: one server, or a topology name),
 * checked to be connected to Redis.
 */
async function startFleet(s, withRedis) {
  const redis = withRedis ? await startTopology(withRedis === true ? 'single' : withRedis) : undefined;
  const replicas = await startReplicas(REPLICAS, {
    DBSS_ENDPOINT: upstream.url,
    ...s.env,
    ...(redis ? { ...redis.env, GATEWAY_STORE_SECRET: STORE_SECRET } : {}),
  }).catch(async (err) => {
    await redis?.kill();
    throw err;
  });
  const stop = async () => {
    await Promise.all(replicas.map((g) => g.stop()));
    await redis?.kill();
  };
  if (redis) {
    const metrics = await (await fetch(`${replicas[0].url}/metrics`)).text();
    if (!/^dbss_gateway_redis_up 1$/m.test(metrics)) {
      await stop();
      throw new Error('replica 1 is not connected to Redis');
    }
  }
  const redisPids = redis?.pids ?? [];
  return { replicas, redisPids, pids: [...replicas.map((g) => g.child.pid), ...redisPids], stop };
}

/** One measured load on a running fleet: req/s, the upstream calls it made, CPU per request. */
async function measureLoad(fleet, s, seconds = DURATION) {
  // CPU per request is the steadier cost figure on a busy machine: req/s also measures the neighbours.
  const cpu = () => fleet.pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  const gatewayCpu = () => fleet.replicas.reduce((n, g) => n + cpuSeconds(g.child.pid), 0);
  const redisCpu = () => fleet.redisPids.map(cpuSeconds);
  const [before, cpuBefore, gatewayBefore, redisBefore] = [await upstreamCount(), cpu(), gatewayCpu(), redisCpu()];
  const r = await load(fleet.replicas, s.distinct, seconds);
  const cpuSpent = cpu() - cpuBefore;
  // The gateways' part of it: what the topology costs the replicas, apart from the Redis servers
  // (which on this machine share its 2 cores with them; in production they have hosts of their own).
  const gatewayCpuSpent = gatewayCpu() - gatewayBefore;
  // Each Redis server's part, one by one (a cluster's masters, then its replicas; a master, its replica).
  const redisCpuSpent = redisCpu().map((c, i) => c - redisBefore[i]);
  return {
    ...r,
    seconds,
    calls: (await upstreamCount()) - before,
    cpuSpent,
    gatewayCpuSpent,
    redisCpuSpent,
    cpuUs: (cpuSpent * 1e6) / r.total,
    gatewayCpuUs: (gatewayCpuSpent * 1e6) / r.total,
  };
}

/** One measured run on a fresh fleet (so no cache carries over), after a warm-up load. */
async function measure(s, withRedis) {
  const fleet = await startFleet(s, withRedis);
  try {
    if (WARMUP > 0) await load(fleet.replicas, s.distinct, WARMUP);
    return await measureLoad(fleet, s);
  } finally {
    await fleet.stop();
  }
}

const topologyRows = [
  [
    'load and topology (a new caller token per request; c=50 over 3 replicas)',
    'req/s',
    'p99 ms (median)',
    '÷ single',
    '÷ single, median of rounds',
    'rounds, lowest–highest',
    'CPU µs / request (replicas + Redis)',
    'of which replicas',
    'replicas ÷ single',
    // A cluster's 3 masters, then their replicas; Sentinel's master, then its replica.
    'each Redis server, CPU µs / request',
  ],
];

const onlyTopologies = process.argv[2] === 'topologies';
try {
  // `node bench/fleet.mjs distinct` runs only the scenarios whose name contains "distinct".
  for (const s of SCENARIOS.filter((x) => !onlyTopologies && (!process.argv[2] || x.name.includes(process.argv[2])))) {
    // Alternate the two states; the best run of each counts (other work on the machine only slows runs down).
    const best = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      for (const withRedis of [false, true]) {
        const r = await measure(s, withRedis);
        if (!best.has(withRedis) || r.rps > best.get(withRedis).rps) best.set(withRedis, r);
      }
    }
    const [local, shared] = [best.get(false), best.get(true)];
    for (const [r, state] of [
      [local, '3 replicas, in process'],
      [shared, '3 replicas + Redis'],
    ]) {
      rows.push([
        s.name,
        state,
        r.rps.toFixed(0),
        r.p99,
        (r.calls / r.total).toFixed(4),
        (r.rps / local.rps).toFixed(2),
        r.cpuUs.toFixed(0),
        (r.cpuUs / local.cpuUs).toFixed(2),
      ]);
    }
    summary.push({
      s,
      ratio: (shared.rps / local.rps).toFixed(2),
      cpuRatio: (shared.cpuUs / local.cpuUs).toFixed(2),
      callsRatio: shared.calls ? local.calls / local.total / (shared.calls / shared.total) : undefined,
    });
  }
  if (onlyTopologies || !process.argv[2]) {
    // Every topology's fleet runs from the start; the load goes to one at a time in short slices, in
    // turn, so whatever else slows this machine down falls on all of them alike (runs of a fresh fleet
    // each, minutes apart, gave ratios from 0.5 to 1.1 for the same code). Two loads: the gateway's
    // defaults (no cache, refusals kept 10 s, no limit: 2 scripts per request) and the one that asks
    // Redis most (the caller limit on: 3).
    for (const s of TOPOLOGY_LOADS) {
      const fleets = new Map();
      try {
        for (const kind of TOPOLOGIES) fleets.set(kind, await startFleet(s, kind));
        if (TOPOLOGY_WARMUP > 0)
          for (const kind of TOPOLOGIES) await load(fleets.get(kind).replicas, s.distinct, TOPOLOGY_WARMUP);
        const slices = new Map(TOPOLOGIES.map((k) => [k, []]));
        for (let round = 0; round < TOPOLOGY_ROUNDS; round++)
          // Each round starts with another topology, so none always comes first.
          for (const kind of TOPOLOGIES.map((_k, i) => TOPOLOGIES[(i + round) % TOPOLOGIES.length]))
            slices.get(kind).push(await measureLoad(fleets.get(kind), s, SLICE));
        const sum = (xs, f) => xs.reduce((n, x) => n + f(x), 0);
        const total = (kind) => {
          const xs = slices.get(kind);
          const requests = sum(xs, (x) => x.total);
          return {
            rps: requests / sum(xs, (x) => x.seconds),
            p99: median(xs.map((x) => x.p99)),
            cpuUs: (sum(xs, (x) => x.cpuSpent) * 1e6) / requests,
            gatewayCpuUs: (sum(xs, (x) => x.gatewayCpuSpent) * 1e6) / requests,
            redisEachUs: xs[0].redisCpuSpent.map((_c, i) => (sum(xs, (x) => x.redisCpuSpent[i]) * 1e6) / requests),
          };
        };
        const single = total('single');
        for (const kind of TOPOLOGIES) {
          const r = total(kind);
          // Each round's ratio: slices seconds apart.
          const ratios = slices.get(kind).map((x, i) => x.rps / slices.get('single')[i].rps);
          topologyRows.push([
            `${s.name}: ${kind}`,
            r.rps.toFixed(0),
            r.p99,
            (r.rps / single.rps).toFixed(2),
            median(ratios).toFixed(2),
            `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
            r.cpuUs.toFixed(0),
            r.gatewayCpuUs.toFixed(0),
            (r.gatewayCpuUs / single.gatewayCpuUs).toFixed(2),
            r.redisEachUs.map((us) => us.toFixed(0)).join(' '),
          ]);
        }
      } finally {
        await Promise.all([...fleets.values()].map((f) => f.stop()));
      }
    }
  }
} finally {
  upstream.child.kill();
}

console.log(
  `\n## fleet: ${REPLICAS} gateway replicas, ${CONNECTIONS} connections × ${DURATION} s per run, best of ${ROUNDS} alternating runs, same upstream\n`,
);
if (rows.length > 1) console.log(table(rows));
const distinct = summary.find((x) => x.s.distinct);
if (distinct)
  console.log(
    `\nRedis cost on distinct tokens: ${distinct?.ratio}× the in-process req/s (goal ≥ 0.8), ${distinct?.cpuRatio}× the CPU per request; ` +
      summary
        .filter((x) => !x.s.distinct && x.callsRatio)
        .map((x) => `${x.s.name}: ${x.callsRatio.toFixed(1)}× fewer upstream calls per request with Redis`)
        .join('; '),
  );
if (topologyRows.length > 1) {
  console.log(
    `\n## fleet per Redis topology: ${TOPOLOGY_ROUNDS} rounds, each a ${SLICE} s load on every topology's fleet in turn, after ${TOPOLOGY_WARMUP} s of warm-up (goal: cluster and sentinel ≥ 0.8× single)\n`,
  );
  console.log(table(topologyRows));
}
