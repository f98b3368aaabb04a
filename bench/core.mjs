// 5,000 sequential listObsBuckets calls against the emulator (its own process), against raw fetch and raw
// undici.request of the same URL, interleaved in the same run. Ratios are time ratios: core ÷ raw.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DbssClient } from '../packages/core/dist/index.js';
import { DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN } from '../packages/emulator/dist/index.js';
import { startProcess, table, timeSequential } from './lib.mjs';

// The same undici core depends on (resolved from core's own node_modules).
const { Agent, request } = createRequire(new URL('../packages/core/package.json', import.meta.url))('undici');
const N = Number(process.env.BENCH_CORE_CALLS ?? 5000);
const emulatorBin = fileURLToPath(new URL('../packages/emulator/dist/cli.js', import.meta.url));
const { url, child } = await startProcess(emulatorBin, ['--port', '0']);
const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
let client;
let signing;
try {
  const target = `${url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`;
  const raw = async () => {
    const res = await fetch(target, { headers: { 'X-Auth-Token': DEMO_TOKEN } });
    const body = await res.json();
    if (!body.obs_list) throw new Error('bad body');
  };
  // The floor: undici.request with a keep-alive Agent, what core's ofetch layer sends through.
  const rawUndici = async () => {
    const res = await request(target, { dispatcher, headers: { 'X-Auth-Token': DEMO_TOKEN } });
    const body = JSON.parse(await res.body.text());
    if (!body.obs_list) throw new Error('bad body');
  };
  client = new DbssClient({ endpoint: url, auth: { type: 'token', token: DEMO_TOKEN }, proxy: false });
  const viaCore = async () => {
    const list = await client.listObsBuckets({ projectId: DEMO_PROJECT_ID });
    if (list.length === 0) throw new Error('no buckets');
  };
  // What official-SDK users run: every attempt signed (SDK-HMAC-SHA256) and verified by the emulator.
  signing = new DbssClient({ endpoint: url, auth: { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK }, proxy: false });
  const viaCoreAksk = async () => {
    const list = await signing.listObsBuckets({ projectId: DEMO_PROJECT_ID });
    if (list.length === 0) throw new Error('no buckets');
  };
  const sides = [raw, rawUndici, viaCore, viaCoreAksk];
  for (const fn of sides) await timeSequential(500, fn);
  // Interleaved call by call (rotating which goes first): every side sees the same machine noise.
  const ns = new Map(sides.map((fn) => [fn, 0]));
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < sides.length; k++) {
      const fn = sides[(i + k) % sides.length];
      const t0 = process.hrtime.bigint();
      await fn();
      ns.set(fn, ns.get(fn) + Number(process.hrtime.bigint() - t0));
    }
  }
  const rawMs = ns.get(raw) / 1e6;
  const undiciMs = ns.get(rawUndici) / 1e6;
  const coreMs = ns.get(viaCore) / 1e6;
  const akskMs = ns.get(viaCoreAksk) / 1e6;
  console.log(`\n## core: ${N} sequential listObsBuckets (emulator in its own process)\n`);
  console.log(
    table([
      ['client', 'total ms', 'µs/call', 'ratio'],
      ['raw fetch + json', rawMs.toFixed(0), ((rawMs * 1000) / N).toFixed(0), '1.00'],
      [
        'raw undici.request + JSON.parse',
        undiciMs.toFixed(0),
        ((undiciMs * 1000) / N).toFixed(0),
        (undiciMs / rawMs).toFixed(2),
      ],
      ['@dbss-obs/core', coreMs.toFixed(0), ((coreMs * 1000) / N).toFixed(0), (coreMs / rawMs).toFixed(2)],
      [
        '@dbss-obs/core, AK/SK signed',
        akskMs.toFixed(0),
        ((akskMs * 1000) / N).toFixed(0),
        (akskMs / rawMs).toFixed(2),
      ],
    ]),
  );
  console.log(
    `\ncore ÷ raw fetch = ${(coreMs / rawMs).toFixed(3)} (goal ≤ 0.7); core ÷ raw undici.request = ${(coreMs / undiciMs).toFixed(3)} (goal ≤ 1.8)`,
  );
} finally {
  await dispatcher.close();
  await client?.close();
  await signing?.close();
  child.kill();
}
