// The one-pipeline rule: every GraphQL request, whichever door it comes in by, passes every plugin.
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type GatewayContext, type GatewayServer, startGatewayServer } from '../src/index.js';
import { MASKED_ERRORS } from '../src/yoga.js';
import { captureLogger, QUERY } from './helpers.js';

const emu = emulatorForFile({ beforeAll, afterAll });
let server: GatewayServer;
let gateway: ReturnType<typeof createGateway>;
const cap = captureLogger();
/** What a test-only plugin saw in onExecute: request id, credential token and door, per execution. */
const executed: { requestId: string; token?: string }[] = [];
const counting: Plugin = {
  onExecute({ args }) {
    const ctx = args.contextValue as unknown as GatewayContext;
    executed.push({ requestId: ctx.trace.requestId, token: ctx.credential?.token });
  },
};

beforeAll(async () => {
  gateway = createGateway({ endpoint: emu.url, maxRetries: 0, logger: cap.logger, plugins: [counting] });
  server = await startGatewayServer(gateway, { port: 0, logger: cap.logger });
});
afterAll(async () => {
  await server.shutdown();
});

const body = JSON.stringify({ query: QUERY, variables: { projectId: DEMO_PROJECT_ID } });
const search = new URLSearchParams({ query: QUERY, variables: JSON.stringify({ projectId: DEMO_PROJECT_ID }) });

/** A mixed batch: the same operation by every way GraphQL over HTTP allows, several times each. */
function batch(url: string): [string, () => Promise<Response>][] {
  const auth = { 'X-Auth-Token': DEMO_TOKEN };
  const rows: [string, () => Promise<Response>][] = [];
  for (let i = 0; i < 5; i++) {
    rows.push([
      `json-post-${i}`,
      () =>
        fetch(url, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json', 'X-Request-Id': `json-post-${i}` },
          body,
        }),
    ]);
  }
  for (let i = 0; i < 2; i++) {
    // What Apollo Client, urql and graphql-request send: the buffered door takes it.
    rows.push([
      `json-post-client-${i}`,
      () =>
        fetch(url, {
          method: 'POST',
          headers: {
            ...auth,
            'Content-Type': 'application/json',
            Accept: 'application/graphql-response+json, application/json;q=0.9',
            'X-Request-Id': `json-post-client-${i}`,
          },
          body,
        }),
    ]);
  }
  for (let i = 0; i < 3; i++) {
    rows.push([
      `get-${i}`,
      () => fetch(`${url}?${search}`, { headers: { ...auth, Accept: 'application/json', 'X-Request-Id': `get-${i}` } }),
    ]);
    // What GraphiQL sends: a cross-origin POST accepting the GraphQL response type and multipart.
    rows.push([
      `graphiql-${i}`,
      () =>
        fetch(url, {
          method: 'POST',
          headers: {
            ...auth,
            Origin: 'http://localhost:3000',
            'Content-Type': 'application/json',
            Accept: 'application/graphql-response+json, application/json, multipart/mixed',
            'X-Request-Id': `graphiql-${i}`,
          },
          body,
        }),
    ]);
  }
  rows.push([
    'form-post',
    () =>
      fetch(url, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Request-Id': 'form-post' },
        body: search.toString(),
      }),
  ]);
  rows.push([
    'bearer-chunked',
    () =>
      // No Content-Length (a streamed body): Yoga's door.
      fetch(url, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${DEMO_TOKEN}`,
          'Content-Type': 'application/json',
          'X-Request-Id': 'bearer-chunked',
        },
        body: new Blob([body]).stream(),
        duplex: 'half',
      } as RequestInit),
  ]);
  return rows;
}

/** Both doors: a plain POST takes the buffered door, a cross-origin one (CORS) Yoga's. */
const DOORS: Record<string, string>[] = [{}, { Origin: 'http://localhost:5173' }];

/** A JSON POST to /graphql as the demo caller, with extra headers. */
function postAt(url: string, body: string, headers: Record<string, string>) {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': DEMO_TOKEN, ...headers },
    body,
  });
}
describe('one pipeline', () => {
  it('a test-only plugin counting onExecute sees every request of a mixed batch, at both doors', async () => {
    const rows = batch(`${server.url}/graphql`);
    for (const [id, send] of rows) {
      const res = await send();
      const json = (await res.json()) as { data?: { obsBuckets?: unknown[] } };
      expect(json.data?.obsBuckets, id).toHaveLength(12);
    }
    // In process (yoga.fetch), too.
    const inProcess = await gateway.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': DEMO_TOKEN, 'X-Request-Id': 'in-process' },
      body,
    });
    expect(((await inProcess.json()) as { data: { obsBuckets: unknown[] } }).data.obsBuckets).toHaveLength(12);

    const ids = [...rows.map(([id]) => id), 'in-process'];
    expect(executed.map((e) => e.requestId)).toEqual(ids);
    // The credential plugin ran for every one of them, whatever header carried the token.
    expect(executed.every((e) => e.token === DEMO_TOKEN)).toBe(true);

    // The access-log plugin wrote one line per HTTP request, and both doors were used.
    const logged = cap.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(logged.map((l) => l.requestId)).toEqual(rows.map(([id]) => id));
    expect(new Set(logged.map((l) => l.via))).toEqual(new Set(['fast', 'yoga']));
    expect(logged.filter((l) => l.via === 'fast').map((l) => l.requestId)).toEqual(
      rows.filter(([id]) => id.startsWith('json-post')).map(([id]) => id),
    );
    expect(logged.every((l) => l.result === 'OK' && l.status === 200 && l.operation === 'query obsBuckets')).toBe(true);
    // The metrics plugin counted each of them.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`dbss_gateway_requests_total{operation="query obsBuckets",result="OK"} ${rows.length}`);
  });
});

describe("Yoga's masking at both doors", () => {
  it('an unexpected failure is "Unexpected error." with no detail, through the buffered door and through Yoga\'s', async () => {
    const failing: Plugin<GatewayContext> = {
      onContextBuilding({ extendContext }) {
        extendContext({
          listBuckets: async () => {
            throw new Error('connection string postgres://admin:hunter2@/work/db failed');
          },
        });
      },
    };
    const g = createGateway({ endpoint: emu.url, maxRetries: 0, plugins: [failing as Plugin] });
    const s = await startGatewayServer(g, { port: 0, logger: captureLogger().logger });
    try {
      // A cross-origin request (CORS) is Yoga's door's; the plain one is the buffered door's.
      for (const door of DOORS) {
        const res = await postAt(s.url, body, door);
        const text = await res.text();
        expect(res.status, JSON.stringify(door)).toBe(200);
        expect(JSON.parse(text)).toMatchObject({ data: null, errors: [{ message: 'Unexpected error.' }] });
        expect(text).not.toContain('hunter2');
        expect(text).not.toContain('/work');
      }
    } finally {
      await s.shutdown();
    }
  });
});

describe('a refusal by a plugin', () => {
  it('is answered the same at both doors (the buffered door does not hand it over, nothing runs twice)', async () => {
    let executions = 0;
    const refusing: Plugin = {
      onParams({ request }) {
        if (request.headers.get('x-refuse'))
          throw createGraphQLError('refused by policy', { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
      },
      onExecute() {
        executions++;
      },
    };
    const cap2 = captureLogger();
    const g = createGateway({ endpoint: emu.url, maxRetries: 0, plugins: [refusing], logger: cap2.logger });
    const s = await startGatewayServer(g, { port: 0, logger: cap2.logger });
    try {
      const answers = [];
      // The plain request takes the buffered door; a cross-origin one (CORS) Yoga's.
      for (const door of DOORS) {
        const res = await postAt(s.url, body, { 'X-Refuse': '1', ...door });
        answers.push({ status: res.status, body: await res.json() });
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]).toEqual({
        status: 403,
        body: { errors: [{ message: 'refused by policy', extensions: { code: 'FORBIDDEN' } }] },
      });
      expect(executions).toBe(0);
      const via = cap2.lines
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'request')
        .map((l) => l.via);
      expect(via).toEqual(['fast', 'yoga']);
    } finally {
      await s.shutdown();
    }
  });

  it('an unexpected failure in a hook is masked with the one mask setting (MASKED_ERRORS) at both doors', async () => {
    const crashing: Plugin = {
      onParams() {
        throw new Error('hook failed reading /work/secret with password hunter2');
      },
    };
    const g = createGateway({ endpoint: emu.url, maxRetries: 0, plugins: [crashing] });
    const s = await startGatewayServer(g, { port: 0, logger: captureLogger().logger });
    try {
      const answers = [];
      for (const door of [{}, { Origin: 'http://localhost:5173' }] as Record<string, string>[]) {
        const res = await fetch(`${s.url}/graphql`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Auth-Token': DEMO_TOKEN, ...door },
          body,
        });
        answers.push({ status: res.status, text: await res.text() });
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(JSON.parse(answers[0]?.text ?? '')).toEqual({
        errors: [{ message: MASKED_ERRORS.errorMessage, extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      });
      expect(answers[0]?.text).not.toContain('hunter2');
    } finally {
      await s.shutdown();
    }
  });
});
