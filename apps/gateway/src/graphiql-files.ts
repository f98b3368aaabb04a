// The prebuilt GraphiQL files the gateway serves: copied from the @graphql-yoga/graphiql devDependency
// into dist/graphiql/ at build time (tsup.config.ts), so an installed gateway needs neither that package
// nor the Monaco/React tree it pulls (~350 MB).
export const GRAPHIQL_FILES: Readonly<Record<string, string>> = {
  'graphiql.css': 'text/css; charset=utf-8',
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/editor.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/graphql.worker..bundle.js': 'text/javascript; charset=utf-8',
};
