import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];
type PluginBuild = Parameters<Plugin['setup']>[0];
type ResolveArgs = Parameters<Parameters<PluginBuild['onResolve']>[1]>[0];

/** Where `name` really resolves for a plugin that stands in front of it; undefined on the plugin's own lookup. */
async function resolveReal(build: PluginBuild, name: string, args: ResolveArgs) {
  if (args.pluginData === 'real') return undefined;
  const { resolveDir, kind, importer } = args;
  return build.resolve(name, { resolveDir, kind, importer, pluginData: 'real' });
}

const FAST_WIDTH = fileURLToPath(new URL('./build/string-width-fast.ts', import.meta.url));

/**
 * Every `string-width` import becomes the real module behind a fast path (build/string-width-fast.ts).
 * The real one is `require`d on first need, so esbuild initialises it lazily: its regexes are only
 * built if a line holds text outside the fast path.
 */
const fastStringWidth: Plugin = {
  name: 'fast-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      const real = await resolveReal(build, 'string-width', args);
      if (!real || real.errors.length) return real && { errors: real.errors };
      return { path: real.path, namespace: 'fast-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'fast-string-width' }, (args) => ({
      resolveDir: process.cwd(),
      loader: 'js',
      contents: `import { fastWidth } from ${JSON.stringify(FAST_WIDTH)};
let real;
export default function stringWidth(text, options) {
  if (typeof text !== 'string' || text.length === 0) return 0;
  const fast = fastWidth(text, options?.ambiguousIsNarrow ?? true);
  if (fast !== undefined && !options?.countAnsiEscapeCodes) return fast;
  real ??= require(${JSON.stringify(args.path)}).default;
  return real(text, options);
}`,
    }));
  },
};

/**
 * Yoga's Emscripten loader fetches its embedded (data: URL) wasm with `fetch` whenever `fetch`
 * exists, which loads Node's whole built-in undici (~20 ms) to decode a string it has in memory.
 * Its synchronous data-URL path does the same without it. The build fails if the code changes.
 */
const yogaWithoutFetch: Plugin = {
  name: 'yoga-without-fetch',
  setup(build) {
    build.onLoad({ filter: /yoga-layout[/\\]dist[/\\]binaries[/\\]yoga-wasm-base64-esm\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const needle = 'w||"function"!=typeof fetch?Promise.resolve()';
      if (!source.includes(needle)) throw new Error(`yoga-without-fetch: "${needle}" not found in ${args.path}`);
      return { contents: source.replace(needle, '!0?Promise.resolve()'), loader: 'js' };
    });
  },
};

/**
 * Core uses only ofetch's `createFetch`, and hands it its own fetch adapter and Headers class. ofetch's
 * Node entry also builds a default instance at load time from `globalThis.fetch` / `globalThis.Headers`,
 * and touching those loads Node's built-in undici: ~13 MiB of peak memory and ~20 ms of start-up for
 * nothing. The bin imports `createFetch` from the module that defines it instead. The build fails if
 * ofetch's layout changes.
 */
const ofetchWithoutDefaultInstance: Plugin = {
  name: 'ofetch-without-default-instance',
  setup(build) {
    build.onResolve({ filter: /^ofetch$/ }, async (args) => {
      const real = await resolveReal(build, 'ofetch', args);
      if (!real || real.errors.length) return real && { errors: real.errors };
      const entry = join(dirname(real.path), 'index.mjs');
      const shared = /import \{ c as createFetch \} from '(\.\/shared\/ofetch\.[\w-]+\.mjs)';/.exec(
        readFileSync(entry, 'utf8'),
      );
      if (!shared?.[1])
        return { errors: [{ text: `ofetch-without-default-instance: no createFetch import in ${entry}` }] };
      return { path: join(dirname(real.path), shared[1]), namespace: 'ofetch-create-fetch' };
    });
    build.onLoad({ filter: /.*/, namespace: 'ofetch-create-fetch' }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      contents: `export { c as createFetch, F as FetchError, a as createFetchError } from ${JSON.stringify(args.path)};`,
    }));
  },
};

/**
 * Core uses undici's dispatchers (Agent, EnvHttpProxyAgent) and `request`, never its WHATWG half
 * (fetch, Headers, WebSocket, EventSource, caches, cookies) nor its mocks; undici's index loads them all
 * at start. The bin bundles undici's own index without those lines: ~60% less of undici to compile and
 * hold in memory. The build fails if the index no longer has the lines this cuts.
 */
const undiciDispatchersOnly: Plugin = {
  name: 'undici-dispatchers-only',
  setup(build) {
    build.onLoad({ filter: /[/\\]undici[/\\]index\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const cut = (from: string, to: string) => {
        const a = source.indexOf(from);
        const b = source.indexOf(to, a);
        if (a === -1 || b === -1)
          throw new Error(`undici-dispatchers-only: "${from}" … "${to}" not found in ${args.path}`);
        source = source.slice(0, a) + source.slice(b);
      };
      cut("const fetchImpl = require('./lib/web/fetch').fetch", 'module.exports.request = makeDispatcher(api.request)');
      // The mocks and EventSource close the file.
      const mocks = source.indexOf('module.exports.MockClient = MockClient');
      if (mocks === -1 || !source.slice(mocks).includes('module.exports.EventSource = EventSource'))
        throw new Error(`undici-dispatchers-only: mocks and EventSource not found at the end of ${args.path}`);
      source = source.slice(0, mocks);
      for (const line of [
        "const MockClient = require('./lib/mock/mock-client')",
        "const MockAgent = require('./lib/mock/mock-agent')",
        "const MockPool = require('./lib/mock/mock-pool')",
        "const mockErrors = require('./lib/mock/mock-errors')",
      ]) {
        if (!source.includes(line)) throw new Error(`undici-dispatchers-only: "${line}" not found in ${args.path}`);
        source = source.replace(line, '');
      }
      return { contents: source, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * slice-ansi builds a Unicode-property regex and an Intl.Segmenter (ICU data) when it loads, ~20 ms of
 * start-up; Ink only calls it to clip overflowing boxes, which the picker never draws. Both are made on
 * first use instead. The build fails if the declarations change.
 */
const sliceAnsiLazy: Plugin = {
  name: 'slice-ansi-lazy',
  setup(build) {
    build.onLoad({ filter: /[/\\]slice-ansi[/\\]tokenize-ansi\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      for (const [from, to] of [
        [
          'const EMOJI_PRESENTATION_GRAPHEME_REGEX = /\\p{Emoji_Presentation}/u;',
          'let emojiPresentation; const EMOJI_PRESENTATION_GRAPHEME_REGEX = { test: (s) => (emojiPresentation ??= /\\p{Emoji_Presentation}/u).test(s) };',
        ],
        [
          "const GRAPHEME_SEGMENTER = new Intl.Segmenter(undefined, {granularity: 'grapheme'});",
          "let graphemeSegmenter; const GRAPHEME_SEGMENTER = { segment: (s) => (graphemeSegmenter ??= new Intl.Segmenter(undefined, {granularity: 'grapheme'})).segment(s) };",
        ],
      ] as const) {
        if (!source.includes(from)) throw new Error(`slice-ansi-lazy: "${from}" not found in ${args.path}`);
        source = source.replace(from, to);
      }
      return { contents: source, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * Ink's Output.get() fills a fresh width × height grid with a new blank-cell object (and a new empty
 * styles array) per cell on every frame: ~3,000 objects, the largest single source of garbage per
 * keystroke (measured with V8's sampling heap profiler). Cells are only ever replaced, never mutated,
 * so one frozen blank cell serves them all. The build fails if the code changes.
 */
const inkSharedBlankCell: Plugin = {
  name: 'ink-shared-blank-cell',
  setup(build) {
    build.onLoad({ filter: /[/\\]ink[/\\]build[/\\]output\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const fresh = /row\.push\(\{\s*type: 'char',\s*value: ' ',\s*fullWidth: false,\s*styles: \[\],\s*\}\);/;
      if (!fresh.test(source)) throw new Error(`ink-shared-blank-cell: the blank cell push not found in ${args.path}`);
      const blank =
        "const BLANK_CELL = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) });\n";
      return {
        contents: blank + source.replace(fresh, 'row.push(BLANK_CELL);'),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * Ink turns every frame back into a string with ansi-tokenize's styledCharsToString, which diffs the
 * styles of each character against the previous one by building three Sets and two arrays, even when
 * both are the same (nearly always): ~3 MiB of garbage per full frame. Equal style lists (element by
 * element) have an empty diff, which is what this fast path returns. The build fails if the code changes.
 */
const ansiDiffFastPath: Plugin = {
  name: 'ansi-diff-fast-path',
  setup(build) {
    build.onLoad({ filter: /[/\\]ansi-tokenize[/\\]build[/\\]diff\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const head = 'export function diffAnsiCodes(from, to) {';
      if (!source.includes(head)) throw new Error(`ansi-diff-fast-path: "${head}" not found in ${args.path}`);
      const fast = `${head}
    if (from.length === to.length) {
        let same = true;
        for (let i = 0; i < from.length && same; i++) same = from[i].code === to[i].code && from[i].endCode === to[i].endCode;
        if (same) return [];
    }`;
      return { contents: source.replace(head, fast), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

export default defineConfig([
  // The bin: one self-contained file (start-up is 2-4x faster than tsc output; no module resolution at run time).
  {
    entry: { 'obs-pick': 'src/obs-pick.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
    esbuildPlugins: [
      fastStringWidth,
      yogaWithoutFetch,
      ofetchWithoutDefaultInstance,
      undiciDispatchersOnly,
      sliceAnsiLazy,
      inkSharedBlankCell,
      ansiDiffFastPath,
    ],
    // Ink loads react-devtools-core only when DEV=true; it is not a dependency, so a stub stands in.
    esbuildOptions(o) {
      o.alias = { 'react-devtools-core': './src/devtools-stub.ts' };
    },
    splitting: false,
    clean: true,
    minify: true,
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    define: { 'process.env.NODE_ENV': '"production"', 'process.env.DEV': '"false"' },
  },
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    dts: true,
    external: ['ink', 'react', '@inkjs/ui', '@dbss-obs/core'],
  },
]);
