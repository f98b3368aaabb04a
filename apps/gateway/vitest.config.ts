import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { retry } from '../../scripts/vitest-retry.mjs';

const require = createRequire(import.meta.url);

export default defineConfig({
  // graphql ships CJS (main) and ESM (module); Node, and so Yoga's dependencies, load the CJS one.
  // Tests must load the same copy, or schemas from one are "from another realm" in the other.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  // hookTimeout: most files start processes or servers in beforeAll (the bin, redis-server, clusters).
  test: { name: 'gateway', include: ['test/**/*.test.ts'], testTimeout: 20_000, hookTimeout: 60_000, ...retry },
});
