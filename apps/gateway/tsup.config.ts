import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
    // GraphiQL's prebuilt files, from the devDependency: the published gateway carries these ~9 MB
    // instead of depending on @graphql-yoga/graphiql (and its ~350 MB of Monaco and React).
    const from = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');
    for (const name of Object.keys(GRAPHIQL_FILES)) {
      mkdirSync(dirname(join('dist/graphiql', name)), { recursive: true });
      copyFileSync(join(from, name), join('dist/graphiql', name));
    }
  },
});
