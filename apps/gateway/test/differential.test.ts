// The compiled (JIT) executor answers every document as graphql-js's does: the same HTTP status, error
// codes and data, at both doors (the buffered JSON door and Yoga's own HTTP handling). The corpus is the
// fuzz test's plus generated documents of every operation type, with fragments, directives, variables,
// operation names and invalid documents.
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type GatewayServer, startGatewayServer } from '../src/index.js';
import { BODIES, INTROSPECTION_DOCUMENTS, OPERATION_TYPE_DOCUMENTS, PARAM_VALUES, prng } from './corpus.js';
import { captureLogger } from './helpers.js';

const emu = emulatorForFile({ beforeAll, afterAll });

interface Target {
  name: string;
  executor: 'jit' | 'graphql-js';
  door: 'fast' | 'yoga';
  server: GatewayServer;
  lines: string[];
}
const targets: Target[] = [];

beforeAll(async () => {
  for (const door of ['fast', 'yoga'] as const) {
    for (const executor of ['jit', 'graphql-js'] as const) {
      const cap = captureLogger();
      // fastPath off: every request takes Yoga's door.
      const gateway = createGateway({
        endpoint: emu.url,
        maxRetries: 0,
        executor,
        fastPath: door === 'fast',
        logger: cap.logger,
      });
      const server = await startGatewayServer(gateway, { port: 0, logger: cap.logger });
      targets.push({ name: `${executor}@${door}`, executor, door, server, lines: cap.lines });
    }
  }
});
afterAll(async () => {
  await Promise.all(targets.map((t) => t.server.shutdown()));
});

const P = DEMO_PROJECT_ID;
const OPERATIONS = ['', 'query', 'query Q', 'mutation', 'mutation M', 'subscription', 'subscription S'];
const VARIABLE_DEFINITIONS = [
  '',
  '($p: ID)',
  '($p: ID!, $r: String, $b: Boolean!)',
  `($p: ID = "${P}", $b: Boolean = true)`,
  '($p: Nope)',
  '($p: ID, $p: ID)',
  '($p: [ID])',
  '($b: Boolean!)',
  '($p: ObsBucket)',
];
const SELECTIONS = [
  `obsBuckets(projectId: "${P}") { bucketName location }`,
  'obsBuckets(projectId: $p) { bucketName }',
  'obsBuckets(projectId: $p, region: $r) { location }',
  `a: obsBuckets(projectId: "${P}") { bucketName } b: obsBuckets(projectId: "${P}") { location }`,
  `obsBuckets(projectId: "${P}") { ...F }`,
  `obsBuckets(projectId: "${P}") { ... on ObsBucket { bucketName } }`,
  `obsBuckets(projectId: "${P}") { ... on Query { __typename } }`,
  '...R',
  '__typename',
  'obsBuckets { bucketName }',
  'obsBuckets(projectId: "short") { bucketName }',
  `obsBuckets(projectId: "${P}", region: "mars-1") { bucketName }`,
  `obsBuckets(projectId: "${P}", region: $r) { bucketName }`,
  `obsBuckets(projectId: "${P}") { nope }`,
  `obsBuckets(projectId: "${P}")`,
  'obsBuckets(projectId: 5) { bucketName }',
  'obsBuckets(projectId: true) { bucketName }',
  `obsBuckets(projectId: "${P}", extra: 1) { bucketName }`,
  `__typename obsBuckets(projectId: "${P}") { __typename bucketName }`,
  `obsBuckets(projectId: "${P}") { bucketName bucketName: location }`,
  'x',
];
const DIRECTIVES = [
  '',
  '@skip(if: true)',
  '@skip(if: false)',
  '@include(if: false)',
  '@include(if: true)',
  '@include(if: $b)',
  '@skip(if: $b)',
  '@unknown',
  '@skip',
  '@deprecated',
  '@include(if: "yes")',
  '@skip(if: true) @include(if: true)',
  '@skip(if: false) @skip(if: false)',
];
const FRAGMENTS = [
  '',
  'fragment F on ObsBucket { bucketName location }',
  'fragment R on Query { __typename }',
  'fragment F on ObsBucket { ...F }',
  'fragment U on ObsBucket { location }',
  'fragment F on Nope { x }',
  'fragment F on ObsBucket { bucketName } fragment R on Query { obsBuckets(projectId: $p) { ...F } }',
];
const VARIABLES: (Record<string, unknown> | undefined)[] = [
  undefined,
  {},
  { p: P },
  { p: P, r: 'cn-north-4', b: true },
  { p: P, b: false },
  { p: 5, b: true },
  { p: {}, b: true },
  { p: [P], b: true },
  { b: 'yes' },
  { p: P, r: 5, b: false },
  { p: null, b: null },
  { p: P, r: 'mars-1', b: true },
  { extra: 1 },
];
const OPERATION_NAMES = [undefined, undefined, 'Q', 'M', 'S', 'Nope', ''];
const INVALID = [
  '',
  ' ',
  '{',
  '}',
  '{ }',
  'query',
  'query Q(',
  '{ obsBuckets(projectId: ) { bucketName } }',
  '{ obsBuckets(projectId: "x" { bucketName } }',
  'fragment F on ObsBucket { bucketName }',
  '{ __typename } { __typename }',
  'query Q { __typename } query Q { __typename }',
  'query { __typename } query Q { __typename }',
  '{ ...Missing }',
  '{ __typename @skip(if: true) }',
  '{ __typename(x: 1) }',
  '{ obsBuckets(projectId: "\\u0000") { bucketName } }',
  '"""doc""" query { __typename }',
  'extend type Query { y: Int }',
  'type T { a: Int }',
  'schema { query: Query }',
  '{ __typename } # comment',
  `{ ${'obsBuckets { bucketName } '.repeat(3)}}`,
  `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: obsBuckets(projectId: "${P}") { bucketName }`).join(' ')} }`,
  `{ obsBuckets(projectId: "${P}") { ${'bucketName '.repeat(120)}} }`,
];

interface Case {
  label: string;
  body: string;
  headers: Record<string, string>;
  /** Also sent as a GET (Yoga's door) with these parameters. */
  search?: string;
}

/** Generated documents: every operation type, with fragments, directives, variables and names. */
interface Doc {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

function generated(count: number): Doc[] {
  const rand = prng(16);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: Doc[] = [];
  for (let i = 0; i < count; i++) {
    const op = pick(OPERATIONS);
    const defs = op ? pick(VARIABLE_DEFINITIONS) : '';
    const directive = pick(DIRECTIVES);
    const selection = pick(SELECTIONS);
    // The directive on an inline fragment, on a field beside the selection, or on the operation.
    const where = rand();
    const body =
      !directive || where < 0.4
        ? `{ ${directive ? `... ${directive} { ${selection} }` : selection} }`
        : where < 0.8
          ? `{ ${selection} __typename ${directive} }`
          : `${op ? '' : 'query '}${directive} { ${selection} }`;
    const head = op || (where >= 0.8 && directive) ? `${op || 'query'}${defs}` : '';
    const query = `${head} ${body} ${pick(FRAGMENTS)}`.trim();
    out.push({ query, variables: pick(VARIABLES), operationName: pick(OPERATION_NAMES) });
  }
  return out;
}

function cases(): Case[] {
  const rand = prng(61);
  const auth = (): Record<string, string> => {
    const r = rand();
    if (r < 0.8) return { 'X-Auth-Token': DEMO_TOKEN };
    return r < 0.9 ? {} : { 'X-Auth-Token': 'MIIwrong-token-for-the-differential-000' };
  };
  const accept = () =>
    rand() < 0.5 ? 'application/json' : 'application/graphql-response+json, application/json;q=0.9';
  const out: Case[] = [];
  const docs: Doc[] = [
    ...generated(260),
    ...[...INVALID, ...OPERATION_TYPE_DOCUMENTS, ...INTROSPECTION_DOCUMENTS].map((query) => ({ query })),
    // The fuzz test's parameter values, each as a document.
    ...PARAM_VALUES.map((query) => ({ query })),
  ];
  for (const doc of docs) {
    const search = new URLSearchParams({ query: doc.query });
    if (doc.variables) search.set('variables', JSON.stringify(doc.variables));
    if (doc.operationName !== undefined) search.set('operationName', doc.operationName);
    out.push({
      label: JSON.stringify(doc),
      body: JSON.stringify(doc),
      headers: { ...auth(), Accept: accept() },
      search: search.toString(),
    });
  }
  // The fuzz test's whole bodies, as they are.
  for (const body of BODIES) out.push({ label: body.slice(0, 120), body, headers: { ...auth(), Accept: accept() } });
  return out;
}

interface Answer {
  status: number;
  codes: (string | null)[];
  data: unknown;
}

async function send(target: Target, c: Case, method: 'POST' | 'GET' = 'POST'): Promise<Answer> {
  const res =
    method === 'GET'
      ? await fetch(`${target.server.url}/graphql?${c.search}`, { headers: c.headers })
      : await fetch(`${target.server.url}/graphql`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...c.headers },
          body: c.body,
        });
  const text = await res.text();
  let json: { data?: unknown; errors?: { extensions?: { code?: string } }[] } = {};
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a plain refusal): compared by status only.
  }
  return {
    status: res.status,
    codes: (json.errors ?? []).map((e) => e.extensions?.code ?? null),
    data: json.data,
  };
}

describe('JIT vs graphql-js, at both doors', () => {
  it('every document of the corpus: same status, error codes and data, never a 5xx', async () => {
    const all = cases();
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    for (const c of all) {
      const answers: Answer[] = [];
      for (const t of targets) answers.push(await send(t, c));
      const [first] = answers as [Answer];
      for (const [i, a] of answers.entries()) {
        expect(a.status, `${targets[i]?.name} ${c.label}`).toBeLessThan(500);
        expect(a, `${targets[i]?.name} vs ${targets[0]?.name}: ${c.label}`).toEqual(first);
      }
      statuses.set(first.status, (statuses.get(first.status) ?? 0) + 1);
      // GET is Yoga's door's alone (a mutation there is the same 400 as by POST: the schema has no mutation type).
      if (c.search) {
        const [jit, js] = await Promise.all(targets.filter((t) => t.door === 'yoga').map((t) => send(t, c, 'GET')));
        expect(jit?.status, `GET ${c.label}`).toBeLessThan(500);
        expect(jit, `GET ${c.label}`).toEqual(js);
        statuses.set(jit?.status ?? 0, (statuses.get(jit?.status ?? 0) ?? 0) + 1);
      }
      for (const code of first.codes) codes.add(String(code));
    }
    // The corpus met every kind of answer: data, validation failures, refusals, upstream errors.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 400]));
    expect(statuses.has(405)).toBe(false);
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(statuses.get(400)).toBeGreaterThan(50);
    expect([...codes]).toEqual(
      expect.arrayContaining([
        'GRAPHQL_VALIDATION_FAILED',
        'GRAPHQL_PARSE_FAILED',
        'BAD_USER_INPUT',
        'UNAUTHENTICATED',
      ]),
    );
    // The doors were the ones meant: every plain JSON POST took the buffered door where it is on.
    for (const t of targets) {
      const via = new Set(t.lines.map((l) => JSON.parse(l)).map((l: { via?: string }) => l.via));
      expect(via.has(t.door), t.name).toBe(true);
      if (t.door === 'yoga') expect(via.has('fast'), t.name).toBe(false);
    }
  }, 120_000);

  it('mutation and subscription documents are a 400 GraphQL error with no upstream call, in either executor, at either door', async () => {
    emu.reset();
    for (const query of OPERATION_TYPE_DOCUMENTS) {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        for (const t of targets) {
          const a = await send(t, {
            label: query,
            body: JSON.stringify({ query }),
            headers: { 'X-Auth-Token': DEMO_TOKEN, Accept: accept },
          });
          expect(a, `${t.name} ${accept} ${query}`).toEqual({
            status: 400,
            codes: ['GRAPHQL_VALIDATION_FAILED'],
            data: undefined,
          });
        }
      }
    }
    expect(emu.requestCount).toBe(0);
  });
});
