import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * Module redirection only: `from` imports in the bin resolve to `to`, an entry of the same package (added by
 * its patch in patches/, which says why), resolved from the importer as `from` would be. Dependency sources
 * are never rewritten here: every change to them is a pnpm patch, applied at install for tests too.
 */
function redirect(from: string, to: string): Plugin {
  return {
    name: `redirect-${from}`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${from}$`) }, ({ resolveDir, kind, importer }) =>
        build.resolve(to, { resolveDir, kind, importer }),
      );
    },
  };
}

export default defineConfig([
  // The bin: one self-contained file (start-up is 2-4x faster than tsc output; no module resolution at run time).
  {
    entry: { 'obs-pick': 'src/obs-pick.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
    esbuildPlugins: [
      // Core uses only createFetch: not ofetch's default instance, whose globalThis.fetch/Headers load Node's undici.
      redirect('ofetch', 'ofetch/create'),
      // Core uses only undici's dispatchers (Agent, Pool, EnvHttpProxyAgent): not its WHATWG half nor its mocks.
      redirect('undici', 'undici/dispatchers.js'),
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
