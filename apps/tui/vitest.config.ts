import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'tui', include: ['test/**/*.test.{ts,tsx}'], testTimeout: 20_000 },
});
