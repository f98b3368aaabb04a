// Gateway throughput with a DISTINCT caller token on every request (a pool of 10,000 the emulator
// accepts), so coalescing cannot help: a raw node:http proxy (the floor of one Node hop), a minimal
// Yoga server, and our gateway traced (no exporter) and untraced; same load tool (autocannon,
// 50 connections), same upstream. Figures are ratios within this run: the machine is shared.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { cpuSeconds, startProcess, table } from './lib.mjs';

const SERVERS = fileURLToPath(new URL('./servers.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../apps/gateway/dist/main.js', import.meta.url));

/**
 * The real dbss-obs-gateway bin, executed as installed (its shebang's V8 flags apply) unless `plainNode`;
 * access log at info to /dev/null, metrics, tracing without an exporter unless `env` turns it off.
 */
function startBin(upstreamUrl, env, plainNode) {
  const child = spawn(plainNode ? process.execPath : BIN, plainNode ? [BIN] : [], {
    env: { ...process.env, ...env, DBSS_ENDPOINT: upstreamUrl, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (\S+)\/graphql/.exec(err);
      if (m) resolve({ url: m[1], child });
    });
    child.once('exit', (code) => reject(new Error(`the gateway bin exited ${code}: ${err}`)));
  });
}
const DURATION = Number(process.env.BENCH_GATEWAY_SECONDS ?? 6);
const CONNECTIONS = 50;
const TOKENS = 10_000;
const { DEMO_PROJECT_ID } = await import('../packages/emulator/dist/index.js');
// What real clients send (graphql-request, urql; Apollo Client sends an equivalent list): every target
// gets it, so the gateway is measured on the negotiation users meet, not on a request with no Accept.
const CLIENT_ACCEPT = 'application/graphql-response+json, application/json;q=0.9';
const BODY = JSON.stringify({
  query: 'query B($projectId: ID!) { obsBuckets(projectId: $projectId) { bucketName location } }',
  variables: { projectId: DEMO_PROJECT_ID },
});

const proc = (pid) => readFileSync(`/proc/${pid}/status`, 'utf8');
const peakRssMb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(proc(pid))?.[1]) / 1024;
/** utime + stime of a process, in ms. */
const cpuMs = (pid) => cpuSeconds(pid) * 1000;

/** One load of DURATION seconds; every request carries the next token of the pool; bodies are checked. */
function load(url, pid) {
  let next = 0;
  let bad = 0;
  const cpuBefore = cpuMs(pid);
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: DURATION,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: CLIENT_ACCEPT },
        body: BODY,
        requests: [
          {
            setupRequest(req) {
              req.headers = { ...req.headers, 'x-auth-token': `bench-token-${next++ % TOKENS}` };
              return req;
            },
            // autocannon refuses expectBody with `requests`: every answer must list the demo buckets.
            onResponse(status, body) {
              if (status !== 200 || !body.includes('"obsBuckets":[{"bucketName"')) bad++;
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        const cpu = cpuMs(pid) - cpuBefore;
        resolve({ ...result, bad, sent: next, cpuPer1000: cpu / (result.requests.total / 1000) });
      },
    );
  });
}

const upstream = await startProcess(SERVERS, ['upstream'], undefined, { ...process.env, BENCH_TOKENS: String(TOKENS) });
// Targets: [name, start()]. The gateway rows run the bin as shipped; `gateway-default-heap` runs it with
// plain `node` (V8's default heap sizing) to show what the shebang's heap limit does to memory.
const TARGETS = [
  [
    'raw-proxy-http',
    () =>
      startProcess(SERVERS, ['raw-proxy-http', upstream.url], undefined, { ...process.env, NODE_ENV: 'production' }),
  ],
  [
    'yoga-minimal',
    () => startProcess(SERVERS, ['yoga-minimal', upstream.url], undefined, { ...process.env, NODE_ENV: 'production' }),
  ],
  ['gateway', () => startBin(upstream.url, {})],
  ['gateway-untraced', () => startBin(upstream.url, { OTEL_SDK_DISABLED: 'true' })],
  ['gateway-default-heap', () => startBin(upstream.url, {}, true)],
];
const ROUNDS = Number(process.env.BENCH_GATEWAY_ROUNDS ?? 3);
const results = {};
let coalesced;
try {
  // Rounds interleave the targets; each target keeps its best round (the machine is shared and noisy).
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, start] of TARGETS) {
      // Every target runs as deployed: NODE_ENV=production (graphql-js drops its development checks).
      const server = await start();
      try {
        const pid = server.child.pid;
        const r = await load(`${server.url}/graphql`, pid);
        if (r.non2xx || r.errors || r.bad)
          throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.bad} bad bodies`);
        const rssMb = peakRssMb(pid);
        const prev = results[name];
        if (!prev || r.requests.average > prev.requests.average)
          results[name] = { ...r, rssMb: Math.max(rssMb, prev?.rssMb ?? 0) };
        else prev.rssMb = Math.max(prev.rssMb, rssMb);
        if (name === 'gateway' && round === 0) {
          // Upstream calls for 1,000 identical queries (one token) sent at once: coalescing.
          const stats = async () => (await (await fetch(`${upstream.url}/__emulator/stats`)).json()).requestCount;
          const before = await stats();
          await Promise.all(
            Array.from({ length: 1000 }, () =>
              fetch(`${server.url}/graphql`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', accept: CLIENT_ACCEPT, 'x-auth-token': 'bench-token-7' },
                body: BODY,
              }).then((res) => res.text()),
            ),
          );
          coalesced = (await stats()) - before;
        }
      } finally {
        server.child.kill();
      }
    }
  }
} finally {
  upstream.child.kill();
}

const floor = results['raw-proxy-http'];
const yoga = results['yoga-minimal'];
const rows = [['target', 'req/s', '÷ raw floor', '÷ min. Yoga', 'p99 ms', 'CPU ms / 1k req', 'peak RSS MB']];
const label = {
  'raw-proxy-http': 'raw node:http proxy (floor)',
  'yoga-minimal': 'minimal Yoga',
  gateway: 'gateway (traced, no exporter)',
  'gateway-untraced': 'gateway (tracing off)',
  'gateway-default-heap': 'gateway (traced), V8 default heap sizing',
};
for (const [kind, r] of Object.entries(results)) {
  const rps = r.requests.average;
  rows.push([
    label[kind],
    rps.toFixed(0),
    (rps / floor.requests.average).toFixed(2),
    (rps / yoga.requests.average).toFixed(2),
    r.latency.p99,
    r.cpuPer1000.toFixed(0),
    r.rssMb.toFixed(0),
  ]);
}
console.log(
  `\n## gateway: ${CONNECTIONS} connections, best of ${ROUNDS} interleaved rounds of ${DURATION} s, a distinct token per request (pool of ${TOKENS.toLocaleString('en')}), Accept: ${CLIENT_ACCEPT}, same upstream (emulator, own process)\n`,
);
console.log(table(rows));
const g = results.gateway;
const check = (ok) => (ok ? 'ok' : 'MISSED');
const goals = [
  [
    `gateway ÷ raw floor = ${(g.requests.average / floor.requests.average).toFixed(2)} (goal ≥ 0.4)`,
    g.requests.average / floor.requests.average >= 0.4,
  ],
  [
    `gateway ÷ minimal Yoga = ${(g.requests.average / yoga.requests.average).toFixed(2)} (goal ≥ 2.5)`,
    g.requests.average / yoga.requests.average >= 2.5,
  ],
  [
    `p99 ${g.latency.p99} ms vs minimal Yoga ${yoga.latency.p99} ms (goal ≤ half)`,
    g.latency.p99 <= yoga.latency.p99 / 2,
  ],
  [`peak RSS ${g.rssMb.toFixed(0)} MB (goal ≤ 150)`, g.rssMb <= 150],
  [
    `traced ÷ untraced = ${(g.requests.average / results['gateway-untraced'].requests.average).toFixed(2)} (goal ≥ 0.9; CPU per request untraced ÷ traced = ${(results['gateway-untraced'].cpuPer1000 / g.cpuPer1000).toFixed(2)})`,
    g.requests.average / results['gateway-untraced'].requests.average >= 0.9,
  ],
];
console.log('');
for (const [text, ok] of goals) console.log(`${check(ok).padEnd(6)} ${text}`);
console.log(
  `(without the bin's heap limit, plain node: peak RSS ${results['gateway-default-heap'].rssMb.toFixed(0)} MB at ${(results['gateway-default-heap'].requests.average / g.requests.average).toFixed(2)}× the req/s)`,
);
console.log(`upstream calls for 1,000 identical concurrent queries (one token): ${coalesced}`);
