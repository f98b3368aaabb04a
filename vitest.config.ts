// Runs every package's tests in one vitest process (`pnpm vitest`); `pnpm test` runs them per package via turbo.
import { defineConfig } from 'vitest/config';
import { retry } from './scripts/vitest-retry.mjs';

export default defineConfig({
  test: { projects: ['packages/*', 'apps/*', 'examples/*'], ...retry },
});
