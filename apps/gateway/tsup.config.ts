import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import { defineConfig } from 'tsup';
import { GRAPHIQL_FILES } from './src/graphiql-files.js';

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts'],
  format: ['esm'],
  // The OpenTelemetry SDK (and @envelop/opentelemetry, which brings a second, 1.x copy of it) is bundled,
  // tree-shaken, instead of installed: ~37 MB of node_modules (semantic-conventions alone is ~10 MB per
  // copy). Only @opentelemetry/api stays a dependency: a program embedding the gateway shares it.
  noExternal: ['@envelop/opentelemetry', '@envelop/on-resolve', /^@opentelemetry\/(?!api$)/],
  dts: { entry: 'src/index.ts' },
  clean: true,
  target: 'node20',
  async onSuccess() {
    copyFileSync('src/schema.graphql', 'dist/schema.graphql');
    // GraphiQL's prebuilt files, from the devDependency, gzipped: the published gateway carries these
    // ~2 MB (served as they are to browsers, which all accept gzip) instead of depending on
    // @graphql-yoga/graphiql and its ~350 MB of Monaco and React.
    const from = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');
    for (const name of Object.keys(GRAPHIQL_FILES)) {
      const to = join('dist/graphiql', `${name}.gz`);
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, gzipSync(readFileSync(join(from, name)), { level: constants.Z_BEST_COMPRESSION }));
    }
  },
});
