import { defineConfig } from 'vitest/config';
import { retry } from '../../scripts/vitest-retry.mjs';

export default defineConfig({
  test: { name: 'emulator', include: ['test/**/*.test.ts'], testTimeout: 20_000, ...retry },
});
