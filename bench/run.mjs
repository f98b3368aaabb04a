// `pnpm bench`: every benchmark in one run, each printed beside its baseline.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const only = process.argv.slice(2);
const benches = ['core.mjs', 'tui.mjs', 'gateway.mjs', 'fleet.mjs', 'redis-store.mjs'].filter((b) =>
  existsSync(fileURLToPath(new URL(b, import.meta.url))),
);
let failed = 0;
for (const b of benches) {
  if (only.length && !only.some((o) => b.startsWith(o))) continue;
  // redis-store.mjs reads the gateway's store from its source (TypeScript): under tsx.
  const loader = b === 'redis-store.mjs' ? ['--import', 'tsx'] : [];
  const r = spawnSync(process.execPath, ['--expose-gc', ...loader, fileURLToPath(new URL(b, import.meta.url))], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
