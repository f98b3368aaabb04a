#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --liftoff-only --heap-growing-percent=20 --v8-pool-size=1
// Memory flags, measured with 100,000 buckets (peak RSS; they must be given at start, v8.setFlagsFromString is too late):
// --max-semi-space-size=1  the buckets arrive as one burst of short-lived objects (body, JSON, rows); V8's
//                          default 16 MiB semi-spaces alone add ~35 MiB to the peak. Young GCs stay cheap.
// --liftoff-only           Yoga's wasm stays on V8's baseline compiler; optimising it costs ~20 MiB of
//                          compiler memory for a layout of 40 boxes.
// --heap-growing-percent=20  collect old garbage (React's, the previous keys' matches) sooner: without it
//                          the heap grows ~14 MiB per query typed and deleted until a late major GC.
// MALLOC_ARENA_MAX=2       the JIT's background threads each keep a malloc arena (~7 MiB) otherwise.
// --v8-pool-size=1         one V8 worker thread, not four: each keeps its own compiler and GC scratch
//                          memory (peak 101-102 -> 97.5-98.3 MiB, 4 runs each); the picker is one short burst of work.
import { main } from './cli.js';

main({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
}).then(
  (code) => {
    process.exitCode = code;
    // Ink and sockets may keep the loop alive a moment; the answer is already written.
    setImmediate(() => process.exit(code));
  },
  () => {
    process.stderr.write('obs-pick: INTERNAL unexpected failure\n');
    process.exit(4);
  },
);
