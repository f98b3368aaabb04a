import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { startTopology } from '../scripts/cluster.mjs';
import { startProcess } from './lib.mjs';
const SERVERS = new URL('./servers.mjs', import.meta.url).pathname;
const BIN = new URL('../apps/gateway/dist/main.js', import.meta.url).pathname;
const { DEMO_PROJECT_ID } = await import('../packages/emulator/dist/index.js');
const QUERY = JSON.stringify({ query: 'query B($projectId: ID!) { obsBuckets(projectId: $projectId) { bucketName location } }', variables: { projectId: DEMO_PROJECT_ID } });
const upstream = await startProcess(SERVERS, ['upstream']);
const secret = randomBytes(32).toString('base64url');
async function gw(env, argv) {
  const child = spawn(process.execPath, [...argv, BIN], { env: { PATH: process.env.PATH, NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((res) => { let b = ''; child.stderr.on('data', (d) => { b += d; const m = /listening on (http:\/\/\S+)\/graphql/.exec(b); if (m) res(m[1]); }); });
  return { child, url };
}
async function load(gws, seconds) {
  let next = 0;
  return Promise.all(gws.map((g, i) => new Promise((resolve, reject) => autocannon({ url: `${g.url}/graphql`, method: 'POST', connections: i === 0 ? 17 : 16, duration: seconds, headers: { 'content-type': 'application/json' }, body: QUERY,
    setupClient: (c) => c.setHeaders({ 'content-type': 'application/json', 'x-auth-token': `bench-token-${next++ % 50}` }) }, (e, r) => e ? reject(e) : resolve(r)))));
}
for (const kind of process.argv.slice(2)) {
  const t = await startTopology(kind);
  const env = { DBSS_ENDPOINT: upstream.url, GATEWAY_CACHE_TTL_MS: '0', GATEWAY_RATE_LIMIT: '10000000', ...t.env, GATEWAY_STORE_SECRET: secret };
  const gws = [await gw(env, [`--cpu-prof`, `--cpu-prof-dir=/tmp/prof/${kind}`]), await gw(env, []), await gw(env, [])];
  await load(gws, 2);
  const rs = await load(gws, 8);
  console.log(kind, 'rps', rs.reduce((n, r) => n + r.requests.average, 0).toFixed(0), 'replica0 total', rs[0].requests.total);
  for (const g of gws) g.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  await t.kill();
}
upstream.child.kill();
