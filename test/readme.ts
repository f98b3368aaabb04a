// The README's commands, read from the file itself: the draft (docs/README.draft.md) until the
// integrator moves it in place, then README.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

export const README = existsSync(join(ROOT, 'docs/README.draft.md'))
  ? join(ROOT, 'docs/README.draft.md')
  : join(ROOT, 'README.md');

export const readmeText = (): string => readFileSync(README, 'utf8');

/** Each fenced code block: its language and its command lines (comments and blank lines dropped). */
export function fencedBlocks(text = readmeText()): { lang: string; commands: string[] }[] {
  const blocks: { lang: string; commands: string[] }[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(fence)) {
    const commands = (m[2] ?? '')
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l && !l.startsWith('#'));
    blocks.push({ lang: m[1] ?? '', commands });
  }
  return blocks;
}

/** Line 1 of the quick start: installs and runs `pnpm start`. */
export const quickStartLine1 = (): string => fencedBlocks()[0]?.commands[0] ?? '';
