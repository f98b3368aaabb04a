// `pnpm start` and `pnpm start:cluster` stopped with Ctrl-C: the whole process group gets SIGINT (and pnpm
// passes it on once more); the run ends with exit code 0 and no ELIFECYCLE / ERR_PNPM line.
import { afterEach, describe, expect, it } from 'vitest';
import { type Run, run, signalGroup } from './helpers.js';
import { quickStartLine1 } from './readme.js';

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
  it("the README's line 1 (install, then pnpm start) exits 0 on Ctrl-C, without ELIFECYCLE or ERR_PNPM", async () => {
    const line1 = quickStartLine1();
    expect(line1).toMatch(/&& pnpm start$/);
    current = run(line1, { PORT: '0' }, { shell: true });
    await current.until(/Stop with Ctrl-C\. Health: \S+/);
    // As a person does: the gateway answers, then Ctrl-C.
    const health = /Health: (\S+)/.exec(current.output())?.[1] as string;
    expect((await fetch(health)).status).toBe(200);
    signalGroup(current, 'SIGINT');
    expect(await current.exited, current.output()).toBe(0);
    expect(current.output()).toContain('"msg":"stopped"');
    expect(current.output()).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
  });

  it('pnpm start:cluster exits 0, without ELIFECYCLE or ERR_PNPM', async () => {
    current = run('pnpm start:cluster', { PORT: '0' });
    await current.until(/Stop with Ctrl-C/);
    signalGroup(current, 'SIGINT');
    expect(await current.exited, current.output()).toBe(0);
    expect(current.output()).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
  });
});
