import { defineConfig } from 'tsup';

export default defineConfig([
  // The bin: one self-contained file (start-up is 2-4x faster than tsc output; no module resolution at run time).
  {
    entry: { 'obs-pick': 'src/obs-pick.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
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
