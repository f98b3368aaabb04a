import { defineConfig } from 'vitest/config';
import { retry } from '../../scripts/vitest-retry.mjs';

export default defineConfig({
  test: { name: 'tui', include: ['test/**/*.test.{ts,tsx}'], testTimeout: 20_000, ...retry },
});
