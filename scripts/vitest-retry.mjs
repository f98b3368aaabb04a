// Every package's vitest config spreads this into `test`. The suites start real processes (Redis
// failovers, TLS key generation, pseudo-terminals) on a shared 2-core machine, where one first
// attempt in a few thousand can lose a race it never loses alone. A failed test is run once more;
// a test that needed that is still named, with its first error, by the RETRIED reporter (never
// silent), and one that fails twice fails the run.
import { fileURLToPath } from 'node:url';

export const retry = {
  retry: 1,
  reporters: ['default', fileURLToPath(new URL('./vitest-retried.mjs', import.meta.url))],
};
