// `pnpm bench`: every benchmark in one run, each printed beside its baseline.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const only = process.argv.slice(2);
const benches = ['core.mjs', 'tui.mjs', 'gateway.mjs', 'fleet.mjs'].filter((b) =>
  existsSync(fileURLToPath(new URL(b, import.meta.url))),
);
let failed = 0;
for (const b of benches) {
  if (only.length && !only.some((o) => b.startsWith(o))) continue;
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(new URL(b, import.meta.url))], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
