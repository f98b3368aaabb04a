// The README a newcomer reads in five minutes: short, the quick start first, and every command in it
// run exactly as written by a test, by CI or by release:check.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { fencedBlocks, README, readmeText } from './readme.js';

/** Where each README command runs, exactly as written: the file that holds it. */
const RUN_BY: Record<string, string> = {
  'npm install -g pnpm@12.4.2 && pnpm install && pnpm start': 'test/start.test.ts (the README line itself)',
  'pnpm test': '.ci/run',
  'pnpm start:cluster': 'test/start.test.ts',
  'pnpm release:check': '.ci/run',
};

describe(README.slice(ROOT.length + 1), () => {
  it('is at most 160 lines', () => {
    expect(readmeText().split('\n').length).toBeLessThanOrEqual(160);
  });

  it('opens with exactly two commands: line 1 installs and runs pnpm start, line 2 pnpm test', () => {
    const [first] = fencedBlocks();
    expect(first?.commands).toHaveLength(2);
    expect(first?.commands[0]).toMatch(/^npm install -g pnpm@\S+ && pnpm install && pnpm start$/);
    expect(first?.commands[1]).toBe('pnpm test');
    // …and says line 1 keeps serving, so line 2 goes in a second terminal.
    expect(readmeText()).toMatch(/keeps serving/);
    expect(readmeText()).toMatch(/second terminal/);
  });

  it('holds only commands that a test, CI or release:check runs exactly as written', () => {
    const commands = fencedBlocks()
      .filter((b) => b.lang === 'sh' || b.lang === 'bash' || b.lang === '')
      .flatMap((b) => b.commands);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const where = RUN_BY[command];
      expect(where, `"${command}" is run by no test: run it in one and list it in RUN_BY`).toBeDefined();
      const file = (where as string).split(' ')[0] as string;
      const text = readFileSync(join(ROOT, file), 'utf8');
      // The README line itself (read from the README by the test), or the command verbatim in the file.
      if (where?.includes('(the README line itself)')) expect(text).toContain('quickStartLine1()');
      else expect(text, `${file} runs "${command}"`).toMatch(new RegExp(`['\\s]${escapeRegExp(command)}['\\s]`));
    }
  });

  it('links every part to its package README', () => {
    for (const pkg of ['packages/core', 'packages/emulator', 'apps/gateway', 'apps/tui']) {
      expect(readmeText()).toContain(`(${pkg}/README.md)`);
      expect(existsSync(join(ROOT, pkg, 'README.md'))).toBe(true);
    }
    for (const doc of ['docs/architecture.md', 'docs/performance.md', 'docs/security.md', 'docs/fleet.md'])
      expect(readmeText()).toContain(`(${doc})`);
  });

  it.runIf(README.endsWith('/README.md') && !README.includes('draft'))('has no broken relative link', () => {
    for (const [, target] of readmeText().matchAll(/\]\(((?!https?:)[^)#]+)(?:#[^)]*)?\)/g))
      expect(existsSync(join(ROOT, target as string)), target).toBe(true);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
