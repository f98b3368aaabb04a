// The bin's fast path in front of string-width (build/string-width-fast.ts) must agree with string-width.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fastWidth, ONE_COLUMN } from '../build/string-width-fast.js';

// The string-width Ink itself uses (a dependency of ink, not of this package).
const fromInk = createRequire(createRequire(import.meta.url).resolve('ink'));
const { default: stringWidth } = (await import(pathToFileURL(fromInk.resolve('string-width')).href)) as {
  default: (s: string, o?: { ambiguousIsNarrow?: boolean }) => number;
};

describe('fast string width', () => {
  it('every character it takes is one column for string-width too', () => {
    let checked = 0;
    for (let cp = 0x20; cp <= 0xffff; cp++) {
      const c = String.fromCharCode(cp);
      if (!ONE_COLUMN.test(c)) continue;
      checked++;
      expect(stringWidth(c), `U+${cp.toString(16)}`).toBe(1);
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('agrees with string-width on the picker’s lines, with and without SGR colours', () => {
    for (const line of [
      '❯ backup                                   3 selected · 12/12',
      '▌ ✔ hk-audit-logs          ap-southeast-1',
      '\u001B[36m\u001B[1m❯ \u001B[22m\u001B[39mquery\u001B[7m \u001B[27m',
      '↑↓ PgUp PgDn Home End move · Enter select · Ctrl-R reload · Esc cancel',
      '⠋ Loading OBS buckets…',
    ]) {
      expect(fastWidth(line, true), line).toBe(stringWidth(line));
    }
  });

  it('leaves wide, combining and emoji text, and ambiguousIsNarrow: false, to string-width', () => {
    for (const text of ['桶', 'e\u0301', '✅', 'a\u00ADb', '\u001B]8;;x\u0007link'])
      expect(fastWidth(text, true)).toBeUndefined();
    expect(fastWidth('abc', false)).toBeUndefined();
  });
});
