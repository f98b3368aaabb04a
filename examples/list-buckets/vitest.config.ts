import { defineConfig } from 'vitest/config';
import { retry } from '../../scripts/vitest-retry.mjs';

export default defineConfig({
  // The tests start processes (the emulator bin, with --tls its key generation, the gateway bin, the
  // picker): a loaded CI machine may take tens of seconds for what takes one here.
  test: { name: 'list-buckets', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, ...retry },
});
