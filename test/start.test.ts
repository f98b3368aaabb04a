// `pnpm start` and `pnpm start:cluster` stopped with Ctrl-C: the whole process group gets SIGINT (and pnpm
// passes it on once more); the run ends with exit code 0 and no ELIFECYCLE / ERR_PNPM line.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Run, run, signalGroup } from './helpers.js';
import { quickStartLine1 } from './readme.js';

/** Live processes (pid, command name, parent, process group), from /proc. */
function processes(): { pid: number; comm: string; ppid: number; pgrp: number }[] {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      out.push({
        pid: Number(entry),
        comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        ppid: Number(ppid),
        pgrp: Number(pgrp),
      });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

let current: Run | undefined;
afterEach(async () => {
  // A failed test leaves nothing running: the leader, or what it left behind in its group.
  if (current) {
    try {
      signalGroup(current, 'SIGKILL');
    } catch {
      // nothing left in the group
    }
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

  it.each([
    { phase: 'some of the cluster nodes run', comm: 'redis-server', count: 2 },
    { phase: 'the first gateway replica runs', comm: 'node', count: 1 },
  ])(
    'start:cluster stopped (SIGTERM to it alone, as a supervisor sends) once $phase stops what had started and exits 0',
    async ({ comm, count }) => {
      current = run('node scripts/cluster.mjs --redis cluster');
      const pid = current.child.pid as number;
      const started = Date.now();
      while (processes().filter((p) => p.ppid === pid && p.comm === comm).length < count) {
        if (current.child.exitCode !== null || Date.now() - started > 60_000)
          throw new Error(`no ${comm} started; output:\n${current.output()}`);
        await sleep(10);
      }
      process.kill(pid, 'SIGTERM');
      expect(await current.exited, current.output()).toBe(0);
      expect(current.output()).toContain('interrupted while starting');
      expect(current.output()).not.toContain('Stop with Ctrl-C');
      // Nothing of its process group is left: no redis-server, redis-cli or replica.
      expect(processes().filter((p) => p.pgrp === pid)).toEqual([]);
    },
    90_000,
  );
});
