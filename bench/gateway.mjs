// Gateway throughput: direct upstream, a raw node:http proxy (the floor of one Node hop), a minimal Yoga
// server and our gateway, all with the same load tool (autocannon, 50 connections) and the same upstream.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startProcess, table } from './lib.mjs';

const SERVERS = fileURLToPath(new URL('./servers.mjs', import.meta.url));
const DURATION = Number(process.env.BENCH_GATEWAY_SECONDS ?? 8);
const CONNECTIONS = 50;
const { DEMO_PROJECT_ID } = await import('../packages/emulator/dist/index.js');
const QUERY = JSON.stringify({
  query: 'query B($projectId: ID!) { obsBuckets(projectId: $projectId) { bucketName location } }',
  variables: { projectId: DEMO_PROJECT_ID },
});

const peakRssMb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

function load(opts) {
  return new Promise((resolve, reject) => {
    let i = 0;
    autocannon(
      {
        connections: CONNECTIONS,
        duration: DURATION,
        ...opts,
        // Distinct tokens: connection i always sends bench-token-i, so no two connections may share a call.
        setupClient: opts.distinct
          ? (client) => client.setHeaders({ ...opts.headers, 'x-auth-token': `bench-token-${i++ % 50}` })
          : undefined,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const upstream = await startProcess(SERVERS, ['upstream']);
const rows = [
  ['target', 'load', 'req/s', 'p99 ms', 'peak RSS MB', '÷ direct', '÷ raw proxy', '÷ raw proxy (http)', '÷ min. Yoga'],
];
const results = {};
try {
  const direct = await load({
    url: `${upstream.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`,
    headers: { 'x-auth-token': 'bench-token-0' },
    distinct: true,
  });
  results.direct = direct;
  rows.push([
    'direct upstream (GET)',
    'distinct tokens',
    direct.requests.average.toFixed(0),
    direct.latency.p99,
    '',
    '1.00',
    '',
    '',
  ]);
  for (const kind of ['raw-proxy', 'raw-proxy-http', 'yoga-minimal', 'gateway']) {
    // Every target runs as deployed: NODE_ENV=production (graphql-js drops its development checks).
    const server = await startProcess(SERVERS, [kind, upstream.url], undefined, {
      ...process.env,
      NODE_ENV: 'production',
    });
    try {
      for (const distinct of [true, false]) {
        if (!distinct && kind !== 'gateway') continue;
        const r = await load({
          url: `${server.url}/graphql`,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-auth-token': 'bench-token-0' },
          body: QUERY,
          distinct,
        });
        if (r.non2xx || r.errors) throw new Error(`${kind}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        results[`${kind}${distinct ? '' : '-same'}`] = r;
        const rps = r.requests.average;
        rows.push([
          kind,
          distinct ? 'distinct tokens' : 'one token (coalesced)',
          rps.toFixed(0),
          r.latency.p99,
          peakRssMb(server.child.pid).toFixed(0),
          (rps / direct.requests.average).toFixed(3),
          results['raw-proxy'] ? (rps / results['raw-proxy'].requests.average).toFixed(2) : '',
          results['raw-proxy-http'] ? (rps / results['raw-proxy-http'].requests.average).toFixed(2) : '',
          results['yoga-minimal'] ? (rps / results['yoga-minimal'].requests.average).toFixed(2) : '',
        ]);
      }
      if (kind === 'gateway') {
        // Upstream calls for 1,000 identical queries sent at once.
        const before = (await (await fetch(`${upstream.url}/__emulator/stats`)).json()).requestCount;
        await Promise.all(
          Array.from({ length: 1000 }, () =>
            fetch(`${server.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-auth-token': 'bench-token-7' },
              body: QUERY,
            }).then((r) => r.text()),
          ),
        );
        const after = (await (await fetch(`${upstream.url}/__emulator/stats`)).json()).requestCount;
        results.coalesce = after - before;
      }
    } finally {
      server.child.kill();
    }
  }
} finally {
  upstream.child.kill();
}
console.log(
  `\n## gateway: ${CONNECTIONS} connections × ${DURATION} s per row, same upstream (emulator, own process)\n`,
);
console.log(table(rows));
const g = results.gateway.requests.average;
console.log(
  `\nour gateway ÷ raw proxy = ${(g / results['raw-proxy'].requests.average).toFixed(2)} (goal ≥ 0.5; ${(g / results['raw-proxy-http'].requests.average).toFixed(2)} against the node:http proxy); ÷ minimal Yoga = ${(g / results['yoga-minimal'].requests.average).toFixed(2)} (goal ≥ 2); p99 ${results.gateway.latency.p99} ms vs minimal Yoga ${results['yoga-minimal'].latency.p99} ms`,
);
console.log(`upstream calls for 1,000 identical concurrent queries: ${results.coalesce}`);
