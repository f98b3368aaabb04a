// `pnpm start` and `pnpm start:cluster` stopped with Ctrl-C: the whole process group gets SIGINT (and pnpm
// passes it on once more); the run ends with exit code 0 and no ELIFECYCLE / ERR_PNPM line.
import { afterEach, describe, expect, it } from 'vitest';
import { type Run, run, signalGroup } from './helpers.js';

let current: Run | undefined;
afterEach(async () => {
  // A failed test leaves nothing running.
  if (current && current.child.exitCode === null && current.child.signalCode === null) {
    signalGroup(current, 'SIGKILL');
    await current.exited;
  }
  current = undefined;
});

describe('Ctrl-C', () => {
  it('pnpm start exits 0, without ELIFECYCLE or ERR_PNPM', async () => {
    current = run('pnpm start', { PORT: '0' });
    await current.until(/Stop with Ctrl-C/);
    signalGroup(current, 'SIGINT');
    expect(await current.exited).toBe(0);
    expect(current.output()).toContain('"msg":"stopped"');
    expect(current.output()).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
  });

  it('pnpm start:cluster exits 0, without ELIFECYCLE or ERR_PNPM', async () => {
    current = run('pnpm start:cluster', { PORT: '0' });
    await current.until(/Stop with Ctrl-C/);
    signalGroup(current, 'SIGINT');
    expect(await current.exited).toBe(0);
    expect(current.output()).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
  });
});
