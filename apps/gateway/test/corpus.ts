// Documents and bodies a hostile or careless client sends: the fuzz test sends them over raw sockets,
// the differential test through both executors at both doors.
import { DEMO_PROJECT_ID } from '@dbss-obs/emulator';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
export function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FUZZ_QUERY = `{ obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName } }`;

/** Operation types the schema lacks, and introspection: refused at validation (400), never executed. */
export const OPERATION_TYPE_DOCUMENTS = [
  'mutation { x }',
  'mutation { obsBuckets { bucketName } }',
  'mutation M { __typename }',
  'subscription { x }',
  `subscription S { obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName } }`,
  'subscription { __typename }',
  'query Q { __typename } mutation M { x }',
];
export const INTROSPECTION_DOCUMENTS = [
  '{ __schema { queryType { name } } }',
  '{ __schema { types { name fields { name args { name } } } } }',
  '{ __type(name: "Query") { name fields { name } } }',
  '{ __type(name: "ObsBucket") { kind } }',
  'query IntrospectionQuery { __schema { directives { name locations } } }',
  '{ a: __schema { queryType { name } } b: __typename }',
  `{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }`,
];

const JSON_FRAGMENTS = [
  '{',
  '[',
  '}',
  '"',
  'null',
  '1',
  '"x"',
  '[]',
  '{}',
  '{"a":',
  '\\u0000',
  '%',
  '%zz',
  '\u00ff',
  '{"__proto__":{}}',
];
/** Values for each GraphQL-over-HTTP parameter of a GET or a form body. */
export const PARAM_VALUES = [
  ...JSON_FRAGMENTS,
  '',
  FUZZ_QUERY,
  '{ __typename }',
  ...OPERATION_TYPE_DOCUMENTS,
  ...INTROSPECTION_DOCUMENTS,
  '{ obsBuckets(',
  `{ ${'a'.repeat(3000)} }`,
  JSON.stringify({ projectId: DEMO_PROJECT_ID }),
  JSON.stringify({ projectId: 5 }),
  JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'x' } }),
];
/** Whole request bodies (sent with every content type). */
export const BODIES = [
  '{',
  '[]',
  '[{"query":"{ __typename }"}]',
  'null',
  '1',
  '"x"',
  '{"query":1}',
  '{"query":null}',
  '{"query":"{ __typename }","variables":"x"}',
  '{"query":"{ __typename }","variables":[]}',
  '{"query":"{ __typename }","extensions":"{"}',
  '{"query":"{ __typename }","extensions":1}',
  '{"query":"{ __typename }","operationName":{}}',
  '{"query":"{ __typename }","operationName":5}',
  '{"query":"{ __typename }","operationName":["a"]}',
  '{"query":"{ __typename }","unknown":1}',
  '{"query":"{ __typename }","__proto__":{"x":1}}',
  JSON.stringify({ query: FUZZ_QUERY, variables: { projectId: 'x'.repeat(100) } }),
  JSON.stringify({ query: 'query Q($p: ID) { obsBuckets(projectId: $p) { bucketName } }', variables: { p: {} } }),
  JSON.stringify({ query: '{ obsBuckets(region: "cn-north-4/../../x") { bucketName } }' }),
  ...OPERATION_TYPE_DOCUMENTS.map((query) => JSON.stringify({ query })),
  ...INTROSPECTION_DOCUMENTS.map((query) => JSON.stringify({ query })),
  JSON.stringify({ query: 'mutation M { x } query Q { __typename }', operationName: 'Q' }),
  JSON.stringify({ query: 'mutation M { x } query Q { __typename }', operationName: 'M' }),
  `{"query":"${'{'.repeat(500)}"}`,
  `${'['.repeat(5000)}`,
  `{"query":"{ __typename }","variables":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
  'query=%7B&variables=%7B',
  '\u0000\u0001\u0002',
];
