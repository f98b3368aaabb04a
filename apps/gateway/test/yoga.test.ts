// In-process (yoga.fetch): schema, validation, limits and every error code, with the emulator upstream.

import { DbssValidationError } from '@dbss-obs/core';
import {
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  DEMO_TOKEN,
  type Emulator,
  FORBIDDEN_PROJECT_ID,
  tokenFingerprint,
} from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, toGraphQLError, typeDefs } from '../src/index.js';
import { gql } from './helpers.js';

const emu = emulatorForFile({ beforeAll, afterAll });
let gateway: ReturnType<typeof createGateway>;
beforeAll(async () => {
  // Every case faults the same token in turn: no standing refusal between them (that one has its own
  // tests in test/fleet/in-process.test.ts and trust.test.ts). A timeout far above any answer on a
  // loaded machine: the timeout case holds its answer instead.
  gateway = createGateway({ endpoint: emu.url, timeoutMs: 10_000, maxRetries: 0, refusalTtlMs: 0 });
});
beforeEach(() => emu.reset());

const call = (
  variables: Record<string, unknown>,
  headers: Record<string, string> = { 'X-Auth-Token': DEMO_TOKEN },
  query?: string,
) => gql((u, i) => gateway.yoga.fetch(u, i), 'http://yoga/graphql', variables, headers, query);

describe('schema', () => {
  it('has a description on every type, field and argument', () => {
    const schema = buildSchema(typeDefs);
    for (const name of ['Query', 'ObsBucket']) {
      const type = schema.getType(name) as GraphQLObjectType;
      expect(type.description, name).toBeTruthy();
      for (const field of Object.values(type.getFields())) {
        expect(field.description, `${name}.${field.name}`).toBeTruthy();
        for (const arg of field.args) expect(arg.description, `${name}.${field.name}(${arg.name})`).toBeTruthy();
      }
    }
  });

  it('serves obsBuckets with the caller token', async () => {
    const { body } = await call({ projectId: DEMO_PROJECT_ID });
    expect(body.errors).toBeUndefined();
    expect(body.data?.obsBuckets).toEqual(
      DEMO_BUCKETS.map((b) => ({ bucketName: b.bucket_name, location: b.location })),
    );
  });

  it('accepts Authorization: Bearer as the token', async () => {
    const { body } = await call({ projectId: DEMO_PROJECT_ID }, { Authorization: `Bearer ${DEMO_TOKEN}` });
    expect(body.data?.obsBuckets).toHaveLength(DEMO_BUCKETS.length);
  });
});

describe('no upstream call for a bad request', () => {
  it('UNAUTHENTICATED without a token', async () => {
    const { body } = await call({ projectId: DEMO_PROJECT_ID }, {});
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(emu.requestCount).toBe(0);
  });

  it.each([['short'], [`${DEMO_PROJECT_ID}/../x`], ['a'.repeat(65)]])(
    'BAD_USER_INPUT for projectId %s',
    async (projectId) => {
      const { body } = await call({ projectId });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(emu.requestCount).toBe(0);
    },
  );

  it('BAD_USER_INPUT for an unknown region, and a caller-chosen host is impossible', async () => {
    for (const region of ['mars-1', 'evil.example.com/', 'cn-north-7']) {
      const { body } = await call({ projectId: DEMO_PROJECT_ID, region });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(emu.requestCount).toBe(0);
  });

  it('rejects a query with too many aliases before any upstream call', async () => {
    const aliases = Array.from(
      { length: 6 },
      (_, i) => `a${i}: obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName }`,
    ).join(' ');
    const { body } = await call({}, { 'X-Auth-Token': DEMO_TOKEN }, `{ ${aliases} }`);
    expect(body.errors?.[0]?.message).toMatch(/alias/i);
    expect(emu.requestCount).toBe(0);
  });

  it('allows a few aliases (5 calls at most)', async () => {
    const aliases = Array.from(
      { length: 3 },
      (_, i) => `a${i}: obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName }`,
    ).join(' ');
    const { body } = await call({}, { 'X-Auth-Token': DEMO_TOKEN }, `{ ${aliases} }`);
    expect(body.errors).toBeUndefined();
  });

  it('rejects an over-long document', async () => {
    const fields = Array.from({ length: 500 }, () => 'bucketName').join(' ');
    const { body } = await call(
      {},
      { 'X-Auth-Token': DEMO_TOKEN },
      `{ obsBuckets(projectId: "${DEMO_PROJECT_ID}") { ${fields} } }`,
    );
    expect(body.errors?.[0]?.message).toMatch(/token/i);
    expect(emu.requestCount).toBe(0);
  });
});

describe('refusals of the request are errors with a code, and a 400 under graphql-response+json', () => {
  const post = (body: string, accept = 'application/graphql-response+json') =>
    gateway.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: accept, 'X-Auth-Token': DEMO_TOKEN },
      body,
    });
  const deep = `{ obsBuckets(projectId: "${DEMO_PROJECT_ID}") { ${'bucketName { x '.repeat(6)}${'} '.repeat(6)} } }`;
  const aliases = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName }`).join(' ')} }`;
  it.each([
    ['too deep', deep, /depth limit/],
    ['too many aliases', aliases, /alias/i],
  ])('%s (GraphQL Armor): GRAPHQL_VALIDATION_FAILED, like any invalid document', async (_, query, message) => {
    const r = await post(JSON.stringify({ query }));
    expect(r.status).toBe(400);
    const body = (await r.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors.some((e) => message.test(e.message))).toBe(true);
    for (const e of body.errors) expect(e.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Under application/json Yoga answers validation errors 200 (the spec's legacy media type): so for these.
    expect((await post(JSON.stringify({ query }), 'application/json')).status).toBe(200);
    expect(emu.requestCount).toBe(0);
  });

  it('a body that is not JSON: 400 BAD_REQUEST whatever the Accept, never quoting the body (a token pasted in it)', async () => {
    const secret = 'MIIpasted-into-the-body-by-mistake-0123456789';
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*']) {
      const r = await post(`{"query": "{ __typename }", "token": "${secret}`, accept);
      const text = await r.text();
      expect(r.status, accept).toBe(400);
      expect(JSON.parse(text)).toEqual({
        errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
      });
      expect(text).not.toContain(secret);
    }
  });
});

describe('the client address limit comes before any credential is read', () => {
  it('a request over GATEWAY_CLIENT_RATE_LIMIT is refused without its credential headers being read', async () => {
    const limited = createGateway({ endpoint: emu.url, clientRateLimitPerMinute: 2, rateLimitPerMinute: 100 });
    // Headers that record which credential headers the gateway reads.
    const read: string[] = [];
    const ask = () => {
      const query = `{ obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName } }`;
      const request = new Request('http://yoga/graphql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Auth-Token': DEMO_TOKEN },
        body: JSON.stringify({ query }),
      });
      const get = request.headers.get.bind(request.headers);
      request.headers.get = (name: string) => {
        if (/^(x-auth-token|authorization|x-api-key)$/i.test(name)) read.push(name.toLowerCase());
        return get(name);
      };
      return limited.yoga.fetch(request);
    };
    for (let i = 0; i < 2; i++) {
      const body = (await (await ask()).json()) as { data?: { obsBuckets: unknown[] } };
      expect(body.data?.obsBuckets).toHaveLength(DEMO_BUCKETS.length);
    }
    expect(read.length).toBeGreaterThan(0);
    read.length = 0;
    const r = await ask();
    const body = (await r.json()) as { errors: { extensions: { code: string; limit: string } }[] };
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'client' });
    expect(read).toEqual([]);
  });
});

describe('upstream failures map to extensions.code', () => {
  const cases: [string, Parameters<Emulator['fault']>[0], string, number | undefined][] = [
    ['401', { status: 401 }, 'UNAUTHENTICATED', 401],
    ['403', { status: 403 }, 'FORBIDDEN', 403],
    ['400', { status: 400 }, 'UPSTREAM_BAD_REQUEST', 400],
    ['500', { status: 500 }, 'UPSTREAM_ERROR', 500],
    ['non-JSON 502', { nonJson: true }, 'UPSTREAM_ERROR', 502],
    ['malformed JSON', { malformedJson: true }, 'UPSTREAM_ERROR', 200],
    ['reset', { reset: true }, 'UPSTREAM_UNAVAILABLE', undefined],
  ];
  it.each(cases)('%s → %s', async (_, fault, code, status) => {
    emu.fault(fault);
    const { body } = await call({ projectId: DEMO_PROJECT_ID });
    const ext = body.errors?.[0]?.extensions;
    expect(ext?.code).toBe(code);
    if (status === undefined) expect(ext?.upstream).toBeUndefined();
    else {
      expect(ext?.upstream?.status).toBe(status);
      expect(ext?.upstream?.requestId).toBe(emu.requests[0]?.requestId);
    }
  });

  it('an answer that does not come within timeoutMs → UPSTREAM_TIMEOUT', async () => {
    const impatient = createGateway({ endpoint: emu.url, timeoutMs: 200, maxRetries: 0 });
    emu.hold(); // the answer waits until released, however slow the machine is
    const { body } = await gql(
      (u, i) => impatient.yoga.fetch(u, i),
      'http://yoga/graphql',
      { projectId: DEMO_PROJECT_ID },
      { 'X-Auth-Token': DEMO_TOKEN },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
    expect(body.errors?.[0]?.extensions?.upstream).toBeUndefined();
    // Let the held answer go and wait for its record, so it cannot land in a later test's.
    emu.release();
    const deadline = Date.now() + 10_000;
    while (emu.requests.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(emu.requests).toHaveLength(1);
  });

  it('a real 403 carries the DBSS error code and message', async () => {
    const { body } = await call({ projectId: FORBIDDEN_PROJECT_ID });
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      upstream: { status: 403, errorCode: 'DBSS.10020403', errorMsg: expect.any(String) },
    });
  });
});

describe("projectId is optional: discovered with the caller's own credential", () => {
  const discovering = () =>
    createGateway({ endpoint: emu.url, iamEndpoint: emu.url, timeoutMs: 10_000, maxRetries: 0 });
  const ask = (g: ReturnType<typeof createGateway>, region: string, headers = { 'X-Auth-Token': DEMO_TOKEN }) =>
    gql(
      (u, i) => g.yoga.fetch(u, i),
      'http://yoga/graphql',
      { region },
      headers,
      'query Q($region: String) { obsBuckets(region: $region) { bucketName } }',
    );

  it('finds the project named after the region (IAM, with the caller token) and lists its buckets', async () => {
    const { body } = await ask(discovering(), DEMO_REGION);
    expect(body.errors).toBeUndefined();
    expect(body.data?.obsBuckets).toHaveLength(DEMO_BUCKETS.length);
    const list = emu.requests.find((r) => r.route === 'list');
    expect(list?.projectId).toBe(DEMO_PROJECT_ID);
    // Discovery and the call both carried the caller's token.
    expect(emu.requests.every((r) => r.auth.tokenFingerprint === tokenFingerprint(DEMO_TOKEN))).toBe(true);
  });

  it('no project in that region for this caller → BAD_USER_INPUT, and no DBSS call', async () => {
    const { body } = await ask(discovering(), 'af-south-1');
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(emu.requests.some((r) => r.route === 'list')).toBe(false);
  });

  it('discovery with a refused token → UNAUTHENTICATED', async () => {
    const { body } = await ask(discovering(), DEMO_REGION, { 'X-Auth-Token': 'MIIwrong-token-000000000000000' });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('toGraphQLError', () => {
  it('leaves unknown errors alone so Yoga masks them', () => {
    const err = new Error('database password is hunter2');
    expect(toGraphQLError(err)).toBe(err);
  });

  it('maps a validation error from core to BAD_USER_INPUT', () => {
    expect(
      (toGraphQLError(new DbssValidationError('x', { field: 'projectId' })) as { extensions: unknown }).extensions,
    ).toEqual({ code: 'BAD_USER_INPUT' });
  });
});
