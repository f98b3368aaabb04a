#!/usr/bin/env node
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
