// The gateway's edges on the real bin: scoped API keys (AK/SK mode), weak keys and bad key files refused
// at start, no CORS and no introspection unless asked, metrics on their own listener, a request timeout
// and a connection cap.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_AK, DEMO_PROJECT_ID, DEMO_REGION, DEMO_SK, DEMO_TOKEN, EMPTY_PROJECT_ID } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type GatewayProcess, startGateway } from '../../../scripts/cluster.mjs';
import { createGateway, gatewayConfigFromEnv, startGatewayServer } from '../src/index.js';
import { captureLogger } from './helpers.js';

const emu = emulatorForFile({ beforeAll, afterAll });
const dir = mkdtempSync(join(tmpdir(), 'dbss-obs-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const started: GatewayProcess[] = [];
afterAll(() => Promise.all(started.map((g) => g.stop())));
async function bin(env: Record<string, string>): Promise<GatewayProcess> {
  const g = await startGateway({ DBSS_ENDPOINT: emu.url, DBSS_MAX_RETRIES: '0', ...env });
  started.push(g);
  return g;
}

const newKey = () => randomBytes(24).toString('base64url');
const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');
const keysFile = (name: string, doc: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
};

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: { obsBuckets?: unknown[] } & Record<string, unknown>; errors?: { extensions?: { code?: string } }[] };
}

/** A GraphQL request: a plain JSON POST (the buffered door) or a GET (Yoga's door). */
async function ask(
  url: string,
  query: string,
  headers: Record<string, string> = {},
  door: 'fast' | 'yoga' = 'fast',
): Promise<Answer> {
  const res =
    door === 'fast'
      ? await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
          body: JSON.stringify({ query }),
        })
      : await fetch(`${url}?${new URLSearchParams({ query })}`, {
          headers: { Accept: 'application/json', ...headers },
        });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) };
}
const code = (a: Answer) => a.body.errors?.[0]?.extensions?.code;
const buckets = (projectId?: string, region?: string) => {
  const args = [projectId && `projectId: "${projectId}"`, region && `region: "${region}"`].filter(Boolean).join(', ');
  return `{ obsBuckets${args ? `(${args})` : ''} { bucketName } }`;
};

describe('scoped API keys (AK/SK mode, the bin)', () => {
  const ci = newKey();
  const east = newKey();
  const all = newKey();
  const legacy = newKey() + newKey();
  let gw: GatewayProcess;

  beforeAll(async () => {
    const file = keysFile('keys.json', {
      keys: [
        { name: 'ci', sha256: sha256(ci), projects: [DEMO_PROJECT_ID], regions: [DEMO_REGION] },
        { name: 'east', sha256: sha256(east).toUpperCase(), regions: ['cn-east-3'] },
        { name: 'all', sha256: sha256(all) },
      ],
    });
    gw = await bin({
      GATEWAY_AUTH_MODE: 'aksk',
      HUAWEICLOUD_SDK_AK: DEMO_AK,
      HUAWEICLOUD_SDK_SK: DEMO_SK,
      HUAWEICLOUD_SDK_REGION: DEMO_REGION,
      HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
      GATEWAY_API_KEYS: legacy,
      GATEWAY_API_KEYS_FILE: file,
      LOG_LEVEL: 'info',
    });
  });

  it('a key reads only its projects and regions (no region: the default one); outside its scope FORBIDDEN with no upstream call, at both doors', async () => {
    const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
    for (const door of ['fast', 'yoga'] as const) {
      emu.reset();
      // Inside the scope: served (the one upstream call each).
      const ok = await ask(gw.graphql, buckets(DEMO_PROJECT_ID), bearer(ci), door);
      expect(ok.body.data?.obsBuckets, door).toHaveLength(12);
      expect(emu.requestCount).toBe(1);
      // Outside it: refused before any upstream call (IAM discovery included).
      const refused: [string, Record<string, string>][] = [
        [buckets(EMPTY_PROJECT_ID), bearer(ci)],
        [buckets(DEMO_PROJECT_ID, 'cn-east-3'), bearer(ci)],
        [buckets(), bearer(ci)],
        // No region: judged in the default region (cn-north-4), which "east" may not read.
        [buckets(DEMO_PROJECT_ID), { 'X-Api-Key': east }],
      ];
      for (const [query, headers] of refused) {
        const a = await ask(gw.graphql, query, headers, door);
        expect(code(a), `${door} ${query}`).toBe('FORBIDDEN');
        expect(a.body.data?.obsBuckets ?? null).toBeNull();
      }
      expect(emu.requestCount).toBe(1);
      // Inside the other keys' scopes: each makes its call.
      const inEast = await ask(gw.graphql, buckets(EMPTY_PROJECT_ID, 'cn-east-3'), { 'X-Api-Key': east }, door);
      expect(inEast.body.data?.obsBuckets).toEqual([]);
      const unscoped = await ask(gw.graphql, buckets(EMPTY_PROJECT_ID), bearer(all), door);
      expect(unscoped.body.data?.obsBuckets).toEqual([]);
      const fromEnv = await ask(gw.graphql, buckets(DEMO_PROJECT_ID), bearer(legacy), door);
      expect(fromEnv.body.data?.obsBuckets).toHaveLength(12);
      expect(emu.requestCount).toBe(4);
      // An unknown key (or a DBSS token) is no key at all.
      expect(code(await ask(gw.graphql, buckets(DEMO_PROJECT_ID), bearer(newKey()), door))).toBe('UNAUTHENTICATED');
      expect(code(await ask(gw.graphql, buckets(DEMO_PROJECT_ID), { 'X-Auth-Token': DEMO_TOKEN }, door))).toBe(
        'UNAUTHENTICATED',
      );
      expect(emu.requestCount).toBe(4);
    }
  });

  it('the access log names each key by its name, never by its value', async () => {
    await ask(gw.graphql, buckets(DEMO_PROJECT_ID), { 'X-Api-Key': ci });
    const lines = gw
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'request');
    expect(new Set(lines.map((l) => l.apiKey))).toEqual(
      new Set(['ci', 'east', 'all', 'GATEWAY_API_KEYS#1', undefined]),
    );
    for (const key of [ci, east, all, legacy]) {
      expect(gw.output()).not.toContain(key);
      expect(gw.output()).not.toContain(sha256(key));
    }
  });
});

describe('keys refused at start', () => {
  const aksk = {
    GATEWAY_AUTH_MODE: 'aksk',
    HUAWEICLOUD_SDK_AK: DEMO_AK,
    HUAWEICLOUD_SDK_SK: DEMO_SK,
    HUAWEICLOUD_SDK_REGION: DEMO_REGION,
  };

  it.each([
    ['shorter than 32 characters', 'aaaaaaaaaaaaaaaa'],
    ['with fewer than 12 distinct characters', 'ab'.repeat(24)],
    ['of 31 characters', 'abcdefghijklmnopqrstuvwxyz01234'],
  ])('a GATEWAY_API_KEYS key %s: exit 2, naming its position, never its value', async (_, weak) => {
    const strong = newKey();
    const start = startGateway({ ...aksk, GATEWAY_API_KEYS: `${strong}, ${weak}` });
    const err = (await start.then(
      (g) => g.stop().then(() => new Error('it started')),
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/exited \(2\)/);
    expect(err.message).toContain('GATEWAY_API_KEYS key #2 is too weak');
    expect(err.message).not.toContain(weak);
    expect(err.message).not.toContain(strong);
  });

  it('a GATEWAY_API_KEYS_FILE that cannot be read: exit 2 naming the variable and why', async () => {
    const err = (await startGateway({ ...aksk, GATEWAY_API_KEYS_FILE: join(dir, 'missing.json') }).then(
      (g) => g.stop().then(() => new Error('it started')),
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/exited \(2\)/);
    expect(err.message).toMatch(/GATEWAY_API_KEYS_FILE .*cannot be read \(ENOENT\)/);
  });

  const secret = newKey();
  const good = { name: 'ci', sha256: sha256(secret) };
  it.each([
    ['not JSON', `{"keys": [ ${secret}`, /is not valid JSON/],
    ['a top-level array', [good], /non-empty "keys" array/],
    ['no keys', { keys: [] }, /non-empty "keys" array/],
    ['an entry that is not an object', { keys: ['x'] }, /keys\[0\] must be an object/],
    ['a missing name', { keys: [{ sha256: good.sha256 }] }, /keys\[0\]\.name must be/],
    ['a name the log cannot hold', { keys: [{ ...good, name: 'a b' }] }, /keys\[0\]\.name must be/],
    ['the key instead of its hash', { keys: [{ name: 'ci', sha256: secret }] }, /keys\[0\]\.sha256 must be the 64 hex/],
    ['bad hex', { keys: [{ name: 'ci', sha256: 'z'.repeat(64) }] }, /keys\[0\]\.sha256 must be the 64 hex/],
    ['63 hex digits', { keys: [{ name: 'ci', sha256: good.sha256.slice(1) }] }, /keys\[0\]\.sha256/],
    [
      'an unknown field',
      { keys: [{ ...good, project: [DEMO_PROJECT_ID] }] },
      /keys\[0\] has an unknown field "project"/,
    ],
    ['a name twice', { keys: [good, { name: 'ci', sha256: sha256('x') }] }, /keys\[1\]\.name "ci" is used twice/],
    ['a key twice', { keys: [good, { ...good, name: 'other' }] }, /keys\[1\]\.sha256 is the same key/],
    ['empty projects', { keys: [{ ...good, projects: [] }] }, /keys\[0\]\.projects must be a non-empty array/],
    ['a bad project id', { keys: [{ ...good, projects: [DEMO_PROJECT_ID, 'short'] }] }, /keys\[0\]\.projects\[1\]/],
    ['an unknown region', { keys: [{ ...good, regions: ['mars-1'] }] }, /keys\[0\]\.regions\[0\] is not a DBSS region/],
  ])('GATEWAY_API_KEYS_FILE with %s is refused naming what is wrong, never echoing a key', (_, doc, message) => {
    const path = keysFile('bad.json', doc);
    let err: unknown;
    try {
      gatewayConfigFromEnv({ ...aksk, GATEWAY_API_KEYS_FILE: path });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CONFIG_ERROR', variable: 'GATEWAY_API_KEYS_FILE' });
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain(secret);
  });

  it('a key both in GATEWAY_API_KEYS (unscoped) and in the file (scoped) is refused: a key has one scope', () => {
    const path = keysFile('twin.json', { keys: [{ ...good, projects: [DEMO_PROJECT_ID] }] });
    expect(() =>
      gatewayConfigFromEnv({ ...aksk, GATEWAY_API_KEYS: `${newKey()},${secret}`, GATEWAY_API_KEYS_FILE: path }),
    ).toThrow(/GATEWAY_API_KEYS key #2 is also keys\[0\] of GATEWAY_API_KEYS_FILE/);
  });

  it('a bad key file stops the bin with exit 2', async () => {
    const err = (await startGateway({
      ...aksk,
      GATEWAY_API_KEYS_FILE: keysFile('bad-hex.json', { keys: [{ name: 'ci', sha256: 'x'.repeat(64) }] }),
    }).then(
      (g) => g.stop().then(() => new Error('it started')),
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/exited \(2\)[\s\S]*GATEWAY_API_KEYS_FILE[\s\S]*sha256/);
  });
});

describe('safe defaults (the bin, NODE_ENV=production)', () => {
  let gw: GatewayProcess;
  let metricsPort: number;
  beforeAll(async () => {
    metricsPort = await freePort();
    gw = await bin({
      HUAWEICLOUD_SDK_REGION: DEMO_REGION,
      GATEWAY_GRAPHIQL: '1',
      METRICS_PORT: String(metricsPort),
      GATEWAY_REQUEST_TIMEOUT_MS: '1500',
    });
  });

  it('no CORS_ORIGINS: no answer carries Access-Control-Allow-Origin; same-origin GraphiQL still works', async () => {
    const evil = { Origin: 'https://evil.example', 'X-Auth-Token': DEMO_TOKEN };
    const post = await ask(gw.graphql, buckets(DEMO_PROJECT_ID), evil);
    const preflight = await fetch(gw.graphql, {
      method: 'OPTIONS',
      headers: { ...evil, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-auth-token' },
    });
    for (const res of [post, preflight]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
    // GraphiQL from the gateway's own origin: the page, then its POST (same origin needs no CORS).
    const page = await fetch(gw.graphql, { headers: { Accept: 'text/html' } });
    expect(await page.text()).toContain('GraphiQL');
    const own = await fetch(gw.graphql, {
      method: 'POST',
      headers: {
        Origin: gw.url,
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json, application/json, multipart/mixed',
        'X-Auth-Token': DEMO_TOKEN,
      },
      body: JSON.stringify({ query: buckets(DEMO_PROJECT_ID) }),
    });
    expect(own.status).toBe(200);
    expect(((await own.json()) as Answer['body']).data?.obsBuckets).toHaveLength(12);
  });

  it('introspection is a 400 GraphQL error at both doors, whatever the Accept; __typename still answers', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Query") { name } }']) {
      for (const door of ['fast', 'yoga'] as const) {
        for (const accept of ['application/json', 'application/graphql-response+json']) {
          const a = await ask(gw.graphql, query, { Accept: accept }, door);
          expect(a.status, `${door} ${accept} ${query}`).toBe(400);
          expect(code(a)).toBe('GRAPHQL_VALIDATION_FAILED');
          expect(a.body.data).toBeUndefined();
        }
      }
    }
    expect((await ask(gw.graphql, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('METRICS_PORT: /metrics on its own listener (127.0.0.1), 404 on the API port', async () => {
    await ask(gw.graphql, '{ __typename }');
    const api = await fetch(`${gw.url}/metrics`);
    expect(api.status).toBe(404);
    expect(await api.text()).not.toContain('dbss_gateway');
    const own = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('dbss_gateway_requests_total{operation="query __typename",result="OK"}');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/graphql`)).status).toBe(404);
    expect(gw.output()).toContain(`metrics on http://127.0.0.1:${metricsPort}/metrics`);
  });

  it('GATEWAY_REQUEST_TIMEOUT_MS: a body dripped slowly gets 408 and is closed within 1 s of the timeout; so do slow headers', async () => {
    const port = Number(new URL(gw.url).port);
    const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(60) } });
    const head = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // One byte every 200 ms: the body alone would take ~18 s; the header lines ~20 s.
    for (const [what, first, rest] of [
      ['body', head, body],
      ['headers', '', head],
    ] as const) {
      const r = await drip(port, first, rest, 200);
      expect(r.text, what).toMatch(/^HTTP\/1\.1 408 /);
      expect(r.closed, what).toBe(true);
      // 1.5 s timeout + at most 1 s (Node looks every 0.5 s); room for a loaded machine, far below the drip.
      expect(r.elapsedMs, what).toBeGreaterThanOrEqual(1400);
      expect(r.elapsedMs, what).toBeLessThan(6000);
    }
    // And the bin still serves.
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });
});

/** Sends `first` at once, then `rest` one byte per `everyMs`; resolves when the server closes (or after 20 s). */
function drip(
  port: number,
  first: string,
  rest: string,
  everyMs: number,
): Promise<{ text: string; closed: boolean; elapsedMs: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < rest.length && !socket.destroyed) socket.write(rest[i++] as string);
    }, everyMs);
    const giveUp = setTimeout(() => socket.destroy(), 20_000);
    socket.on('connect', () => first && socket.write(first));
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ text, closed: Date.now() - t0 < 20_000, elapsedMs: Date.now() - t0 });
    });
  });
}

describe('GATEWAY_MAX_CONNECTIONS (the bin)', () => {
  it('past the cap a new connection is closed unanswered; once one closes, a new one is served', async () => {
    const gw = await bin({ HUAWEICLOUD_SDK_REGION: DEMO_REGION, GATEWAY_MAX_CONNECTIONS: '2' });
    const port = Number(new URL(gw.url).port);
    // Two keep-alive connections, each answered once (so the server holds both).
    const held = [await healthOn(port), await healthOn(port)];
    expect(held.map((h) => h.text)).toEqual([expect.stringMatching(/ok\n$/), expect.stringMatching(/ok\n$/)]);
    const third = await healthOn(port);
    expect(third.text).toBe('');
    expect(third.socket.destroyed).toBe(true);
    held[0]?.socket.destroy();
    // The server counts the closed connection out: poll until a new one is served (deadline 10 s).
    let served = '';
    for (const deadline = Date.now() + 10_000; !served.endsWith('ok\n') && Date.now() < deadline; ) {
      const next = await healthOn(port);
      served = next.text;
      next.socket.destroy();
      if (!served) await new Promise((r) => setTimeout(r, 50));
    }
    expect(served).toMatch(/^HTTP\/1\.1 200[\s\S]*ok\n$/);
    held[1]?.socket.destroy();
  });
});

/** GET /health on a new keep-alive connection: the answer, or '' when the server closes it unanswered. */
function healthOn(port: number): Promise<{ text: string; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = () => resolve({ text, socket });
    socket.on('connect', () => socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    socket.on('data', (d) => {
      text += d;
      if (text.endsWith('ok\n')) done();
    });
    socket.on('error', () => {});
    socket.on('close', done);
  });
}

describe('CORS_ORIGINS (in process)', () => {
  const preflightFrom = async (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-auth-token',
      },
    });

  it('* allows any origin, never with credentials; a list allows those origins only', async () => {
    const cap = captureLogger();
    const anyOrigin = await startGatewayServer(createGateway({ endpoint: emu.url, corsOrigins: '*' }), {
      port: 0,
      logger: cap.logger,
    });
    const listed = await startGatewayServer(
      createGateway({ endpoint: emu.url, corsOrigins: ['https://a.example', 'https://b.example'] }),
      { port: 0, logger: cap.logger },
    );
    try {
      for (const res of [
        await preflightFrom(`${anyOrigin.url}/graphql`, 'https://anywhere.example'),
        await ask(`${anyOrigin.url}/graphql`, '{ __typename }', { Origin: 'https://anywhere.example' }),
      ]) {
        expect(res.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      }
      const a = await preflightFrom(`${listed.url}/graphql`, 'https://a.example');
      expect(a.headers.get('access-control-allow-origin')).toBe('https://a.example');
      expect(a.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-auth-token');
      expect(a.headers.get('access-control-allow-credentials')).toBeNull();
      const other = await ask(`${listed.url}/graphql`, '{ __typename }', { Origin: 'https://c.example' });
      expect(other.headers.get('access-control-allow-origin')).not.toBe('https://c.example');
    } finally {
      await Promise.all([anyOrigin.shutdown(), listed.shutdown()]);
    }
  });
});

describe('edge variables: bad values exit 2 naming the variable', () => {
  const base = { HUAWEICLOUD_SDK_REGION: DEMO_REGION };
  it.each([
    [{ GATEWAY_REQUEST_TIMEOUT_MS: '0' }, 'GATEWAY_REQUEST_TIMEOUT_MS'],
    [{ GATEWAY_REQUEST_TIMEOUT_MS: '30s' }, 'GATEWAY_REQUEST_TIMEOUT_MS'],
    [{ GATEWAY_MAX_CONNECTIONS: '0' }, 'GATEWAY_MAX_CONNECTIONS'],
    [{ GATEWAY_MAX_CONNECTIONS: 'many' }, 'GATEWAY_MAX_CONNECTIONS'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '4000' }, 'METRICS_PORT'],
    [{ METRICS_HOST: '0.0.0.0' }, 'METRICS_HOST'],
    [{ METRICS_PORT: '9464', METRICS_HOST: 'a b' }, 'METRICS_HOST'],
    [{ CORS_ORIGINS: 'https://a.example/app' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://a.example,a.example' }, 'CORS_ORIGINS'],
    [{ GATEWAY_INTROSPECTION: 'sometimes' }, 'GATEWAY_INTROSPECTION'],
  ])('%j fails naming %s', (env, variable) => {
    expect(() => gatewayConfigFromEnv({ ...base, ...env })).toThrow(variable);
  });

  it('defaults: 30 s request timeout, 1024 connections, no CORS, introspection only outside production', () => {
    const dev = gatewayConfigFromEnv(base);
    expect(dev).toMatchObject({ requestTimeoutMs: 30_000, maxConnections: 1024 });
    expect(dev.metrics).toBeUndefined();
    expect(dev.gateway).toMatchObject({ corsOrigins: undefined, introspection: true });
    const prod = gatewayConfigFromEnv({ ...base, NODE_ENV: 'production' });
    expect(prod.gateway.introspection).toBe(false);
    expect(
      gatewayConfigFromEnv({ ...base, NODE_ENV: 'production', GATEWAY_INTROSPECTION: '1' }).gateway.introspection,
    ).toBe(true);
  });

  it('the bin exits 2 for a bad GATEWAY_REQUEST_TIMEOUT_MS', async () => {
    const err = (await startGateway({ ...base, GATEWAY_REQUEST_TIMEOUT_MS: 'soon' }).then(
      (g) => g.stop().then(() => new Error('it started')),
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/exited \(2\)[\s\S]*GATEWAY_REQUEST_TIMEOUT_MS/);
  });
});
