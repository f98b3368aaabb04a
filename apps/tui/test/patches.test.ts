// The dependency patches in patches/ (see each file's header): applied at install, and each keeps the
// behaviour of the code it replaces.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = createRequire(import.meta.url);
/** `name` as the package `from` (a dependency of this one) resolves it. */
const through = (from: string, name: string) => createRequire(here.resolve(from)).resolve(name);
const ink = here.resolve('ink');
// Core is the one that imports ofetch and undici.
const CORE = `${realpathSync(join(import.meta.dirname, '../node_modules/@dbss-obs/core'))}/`;

type StringWidth = (s: string, o?: { ambiguousIsNarrow?: boolean }) => number;
// Ink's own string-width (8.x).
const STRING_WIDTH = through('ink', 'string-width');
const { default: stringWidth } = (await import(pathToFileURL(STRING_WIDTH).href)) as { default: StringWidth };

describe('string-width fast path', () => {
  it('every character gets the width the full path gives it', () => {
    // A zero-width space after a character sends it down the full path (segmenter, emoji, East Asian
    // Width) without changing its width: the fast path must agree with it on every BMP character.
    const differ: string[] = [];
    for (let cp = 0x20; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCharCode(cp);
      for (const ambiguousIsNarrow of [true, false])
        if (stringWidth(c, { ambiguousIsNarrow }) !== stringWidth(`${c}\u200B`, { ambiguousIsNarrow }))
          differ.push(`U+${cp.toString(16)}`);
    }
    expect(differ).toEqual([]);
  });

  it('the picker’s lines take the fast path: no Intl.Segmenter is made for them', () => {
    // In a child process, so that no global is replaced here.
    const script = `
      let made = 0;
      const Real = Intl.Segmenter;
      Intl.Segmenter = class extends Real { constructor(...a) { super(...a); made++; } };
      const { default: stringWidth } = await import(${JSON.stringify(pathToFileURL(STRING_WIDTH).href)});
      for (const line of ['❯ backup                     3 selected · 12/12', '▌ ✔ hk-audit-logs   ap-southeast-1',
        '↑↓ PgUp PgDn Home End move · Enter select · Esc cancel', '⠋ Loading OBS buckets…']) stringWidth(line);
      process.stdout.write(String(made));`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })).toBe('0');
  });
});

describe('yoga-layout', () => {
  it('loads its embedded wasm without calling fetch', () => {
    const yoga = pathToFileURL(createRequire(ink).resolve('yoga-layout')).href;
    const script = `
      let calls = 0;
      globalThis.fetch = async () => { calls++; throw new Error('no fetch'); };
      const { default: Yoga } = await import(${JSON.stringify(yoga)});
      const node = Yoga.Node.create(); node.setWidth(10); node.calculateLayout();
      process.stdout.write(calls + ' ' + node.getComputedWidth());`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })).toBe('0 10');
  });
});

describe('bin-only entries', () => {
  it('ofetch/create gives the createFetch that ofetch itself exports', async () => {
    const from = createRequire(CORE);
    const lean = await import(pathToFileURL(from.resolve('ofetch/create')).href);
    // What `import 'ofetch'` loads in Node (its "node" + "import" condition).
    const full = await import(pathToFileURL(join(dirname(from.resolve('ofetch/package.json')), 'dist/node.mjs')).href);
    expect(lean.createFetch).toBe(full.createFetch);
    expect(lean.FetchError).toBe(full.FetchError);
  });

  it('undici/dispatchers.js gives the same dispatchers as undici', () => {
    const from = createRequire(CORE);
    const lean = from('undici/dispatchers.js');
    const full = from('undici');
    for (const name of ['Agent', 'EnvHttpProxyAgent', 'Pool', 'Dispatcher', 'errors'])
      expect(lean[name], name).toBe(full[name]);
    expect(lean.util).toEqual(full.util);
    expect(lean.fetch).toBeUndefined();
  });
});
