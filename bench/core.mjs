// 5,000 sequential listObsBuckets calls against the emulator (its own process), against raw fetch of the same URL.
import { fileURLToPath } from 'node:url';
import { DbssClient } from '../packages/core/dist/index.js';
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '../packages/emulator/dist/index.js';
import { startProcess, table, timeSequential } from './lib.mjs';

const N = Number(process.env.BENCH_CORE_CALLS ?? 5000);
const emulatorBin = fileURLToPath(new URL('../packages/emulator/dist/cli.js', import.meta.url));
const { url, child } = await startProcess(emulatorBin, ['--port', '0']);
try {
  const target = `${url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`;
  const raw = async () => {
    const res = await fetch(target, { headers: { 'X-Auth-Token': DEMO_TOKEN } });
    const body = await res.json();
    if (!body.obs_list) throw new Error('bad body');
  };
  const client = new DbssClient({ endpoint: url, auth: { type: 'token', token: DEMO_TOKEN } });
  const viaCore = async () => {
    const list = await client.listObsBuckets({ projectId: DEMO_PROJECT_ID });
    if (list.length === 0) throw new Error('no buckets');
  };
  await timeSequential(500, raw);
  await timeSequential(500, viaCore);
  // Interleaved call by call (alternating which goes first): both sides see the same machine noise.
  let rawNs = 0;
  let coreNs = 0;
  for (let i = 0; i < N; i++) {
    const order = i % 2 === 0 ? [raw, viaCore] : [viaCore, raw];
    for (const fn of order) {
      const t0 = process.hrtime.bigint();
      await fn();
      const dt = Number(process.hrtime.bigint() - t0);
      if (fn === raw) rawNs += dt;
      else coreNs += dt;
    }
  }
  const rawMs = rawNs / 1e6;
  const coreMs = coreNs / 1e6;
  console.log(`\n## core: ${N} sequential listObsBuckets (token auth, emulator in its own process)\n`);
  console.log(
    table([
      ['client', 'total ms', 'µs/call', 'ratio'],
      ['raw fetch + json', rawMs.toFixed(0), ((rawMs * 1000) / N).toFixed(0), '1.00'],
      ['@dbss-obs/core', coreMs.toFixed(0), ((coreMs * 1000) / N).toFixed(0), (coreMs / rawMs).toFixed(2)],
    ]),
  );
  console.log(`\ncore ÷ raw fetch = ${(coreMs / rawMs).toFixed(3)} (goal ≤ 1.15)`);
} finally {
  child.kill();
}
