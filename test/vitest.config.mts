// Whole-repository tests (run from the root after every package's): the README's commands, `pnpm start`
// and Ctrl-C, the bare-machine pre-test check.
import { defineConfig } from 'vitest/config';
import { retry } from '../scripts/vitest-retry.mjs';

export default defineConfig({
  test: { name: 'repo', include: ['test/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000, ...retry },
});
