// `pnpm test` on a machine without redis-server stops at once, before any package runs, with one
// message (printed once, at most 5 lines) naming redis-server and how to install it.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { run, signalGroup } from './helpers.js';

const bin = mkdtempSync(join(tmpdir(), 'dbss-preflight-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

it('pnpm test without redis-server on PATH stops within 60 s with one short message', async () => {
  // A PATH with node, pnpm and a shell only (/bin and /usr/bin hold redis-server here).
  for (const tool of ['node', 'pnpm', 'sh']) {
    const which = (await import('node:child_process')).spawnSync('sh', ['-c', `command -v ${tool}`], {
      encoding: 'utf8',
    });
    symlinkSync(which.stdout.trim(), join(bin, tool));
  }
  const r = run('pnpm test', { PATH: bin });
  const timer = setTimeout(() => signalGroup(r, 'SIGKILL'), 60_000);
  const code = await r.exited;
  clearTimeout(timer);
  const out = r.output();
  expect(code).not.toBe(0);
  expect(code).not.toBe('SIGKILL'); // stopped by itself, not by the 60 s limit
  expect(out.match(/redis-server is not on PATH/g)).toHaveLength(1);
  expect(out).toContain('apt-get install -y redis-server');
  const message = out.slice(out.indexOf('pnpm test: redis-server'));
  expect(
    message.split('\n').filter((l) => l.trim() && !/ELIFECYCLE|ERR_PNPM|Command failed/.test(l)).length,
  ).toBeLessThanOrEqual(5);
  // No package ran: turbo never started (pnpm echoes the script itself on a `$ ` line first).
  const after = out
    .split('\n')
    .filter((l) => !l.startsWith('$ '))
    .join('\n');
  expect(after).not.toMatch(/turbo|Tasks:|vitest| RUN /);
});
