// The real server on port 0 against the emulator: forwarding, coalescing, operations, drain, secrets.
import { DEMO_PROJECT_ID, DEMO_TOKEN, tokenFingerprint } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { serverAudits } from 'graphql-http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type GatewayServer, startGatewayServer } from '../src/index.js';
import { MemoryStore } from '../src/shared/index.js';
import type { Peek, Peeked, StoreKey } from '../src/shared/store.js';
import { captureLogger, gql, QUERY } from './helpers.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());

let servers: GatewayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.shutdown()));
  servers = [];
});

async function start(opts: Parameters<typeof createGateway>[0] = {}, serverOpts: { drainDelayMs?: number } = {}) {
  const cap = captureLogger();
  const gateway = createGateway({ endpoint: emu.url, maxRetries: 0, logger: cap.logger, ...opts });
  const server = await startGatewayServer(gateway, { port: 0, logger: cap.logger, ...serverOpts });
  servers.push(server);
  return { server, gateway, url: `${server.url}/graphql`, ...cap };
}

/** The in-process store, counting the callers that reached coalescing (joined or led an upstream call). */
class CountingStore extends MemoryStore {
  callers = 0;
  override coalesce<T>(
    key: StoreKey,
    lockTtlMs: number,
    fn: (peeked?: Peeked) => Promise<T>,
    maxWaitMs?: number,
    peek?: Peek<T>,
  ): Promise<T> {
    this.callers++;
    return super.coalesce(key, lockTtlMs, fn, maxWaitMs, peek);
  }
}

/** Polls (deadline 10 s) until `count` callers have reached coalescing. */
async function untilCallers(store: CountingStore, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (store.callers < count) {
    if (Date.now() > deadline) throw new Error(`callers at the coalescing step: ${store.callers}, expected ${count}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const call = (url: string, token?: string, projectId = DEMO_PROJECT_ID) =>
  gql(fetch, url, { projectId }, token ? { 'X-Auth-Token': token } : {});

describe('over real HTTP', () => {
  it('forwards the caller token to DBSS (read from the emulator record)', async () => {
    const { url } = await start();
    const token = emu.issueToken();
    const { body } = await call(url, token);
    expect(body.data?.obsBuckets?.length).toBeGreaterThan(0);
    expect(emu.requests).toHaveLength(1);
    expect(emu.requests[0]?.auth).toEqual({ type: 'token', tokenFingerprint: tokenFingerprint(token) });
  });

  it('makes 100 concurrent identical queries into 1 upstream call; two tokens into 2', async () => {
    const store = new CountingStore();
    const { url, server } = await start({ store });
    // The upstream answer is held until every caller has joined: no delay has to cover the burst.
    emu.hold();
    const calls = Array.from({ length: 100 }, () => call(url, DEMO_TOKEN));
    await emu.whenHeld(1);
    await untilCallers(store, 100);
    emu.release();
    const results = await Promise.all(calls);
    expect(results.every((r) => r.body.data?.obsBuckets?.length === 12)).toBe(true);
    expect(emu.requestCount).toBe(1);

    emu.reset();
    emu.hold();
    const other = emu.issueToken();
    const mixedCalls = Array.from({ length: 100 }, (_, i) => call(url, i % 2 ? other : DEMO_TOKEN));
    await emu.whenHeld(2);
    await untilCallers(store, 200);
    emu.release();
    const mixed = await Promise.all(mixedCalls);
    expect(mixed.every((r) => r.body.data?.obsBuckets?.length === 12)).toBe(true);
    expect(emu.requestCount).toBe(2);
    const fps = new Set(emu.requests.map((r) => r.auth.tokenFingerprint));
    expect(fps).toEqual(new Set([tokenFingerprint(DEMO_TOKEN), tokenFingerprint(other)]));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    // 99 joined the first call, 98 joined the two calls of the second round.
    expect(metrics).toContain('dbss_gateway_upstream_coalesced_total 197');
  });

  it('a TTL cache, when enabled, answers repeat calls without DBSS', async () => {
    const { url } = await start({ cacheTtlMs: 60_000 });
    await call(url, DEMO_TOKEN);
    await call(url, DEMO_TOKEN);
    expect(emu.requestCount).toBe(1);
    const other = emu.issueToken();
    await call(url, other);
    expect(emu.requestCount).toBe(2);
  });

  it('serves /health, /ready and Prometheus /metrics without user input in labels', async () => {
    const { server, url } = await start();
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await gql(
      fetch,
      url,
      { projectId: DEMO_PROJECT_ID },
      { 'X-Auth-Token': DEMO_TOKEN },
      `query EvilName_${'x'.repeat(20)} { obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName } }`,
    );
    await call(url, 'MIIwrong-token-for-metrics-test-0000000');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('dbss_gateway_requests_total{operation="query obsBuckets",result="OK"}');
    expect(text).toContain('dbss_gateway_requests_total{operation="query obsBuckets",result="UNAUTHENTICATED"}');
    expect(text).toContain('dbss_gateway_upstream_requests_total{status="401"}');
    expect(text).toContain('dbss_gateway_request_duration_seconds_bucket');
    expect(text).not.toContain('EvilName');
    expect(text).not.toContain('MIIwrong');
  });

  it('dbss_gateway_requests_in_flight counts the requests being handled now, a scrape not included', async () => {
    const { server, url } = await start();
    const inFlight = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/^dbss_gateway_requests_in_flight (\d+)$/m.exec(text)?.[1]);
    };
    expect(await inFlight()).toBe(0);
    // Three different tokens: three upstream calls, each held by the emulator until release.
    emu.hold();
    const calls = [DEMO_TOKEN, emu.issueToken(), emu.issueToken()].map((t) => call(url, t));
    await emu.whenHeld(3);
    expect(await inFlight()).toBe(3);
    emu.release();
    const answers = await Promise.all(calls);
    expect(answers.every((r) => r.body.data?.obsBuckets?.length === 12)).toBe(true);
    // Each answer's connection close is seen by the server a moment after the client has the answer.
    const deadline = Date.now() + 10_000;
    let last = await inFlight();
    while (last !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      last = await inFlight();
    }
    expect(last).toBe(0);
  });

  it('logs one JSON line per request with ids, result and upstream status, and never a token', async () => {
    const { url, lines } = await start();
    const secret = 'MIIsecret-token-that-must-not-be-logged-0001';
    await call(url, DEMO_TOKEN);
    await call(url, secret);
    await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${secret}`,
        'X-Request-Id': 'caller-req-1',
      },
      body: JSON.stringify({ query: QUERY, variables: { projectId: DEMO_PROJECT_ID } }),
    });
    const reqs = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(reqs).toHaveLength(3);
    expect(reqs[0]).toMatchObject({ operationName: 'Buckets', result: 'OK', upstreamStatus: 200, status: 200 });
    expect(reqs[0].upstreamRequestId).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof reqs[0].durationMs).toBe('number');
    expect(reqs[1]).toMatchObject({ result: 'UNAUTHENTICATED', upstreamStatus: 401 });
    expect(reqs[2].requestId).toBe('caller-req-1');
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).not.toContain(DEMO_TOKEN);
  });

  it('answers CORS preflight allowing X-Auth-Token for a configured origin', async () => {
    const { url } = await start({ corsOrigins: ['https://console.example.com'] });
    const res = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://console.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-auth-token,content-type',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-auth-token');
  });

  it('serves GraphiQL when enabled and not when disabled', async () => {
    const on = await start();
    const page = await fetch(on.url, { headers: { Accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    // Served from this process, not a CDN: GraphiQL works offline.
    expect(html).not.toContain('unpkg.com');
    const js = await fetch(`${on.server.url}/graphiql-assets/yoga-graphiql.umd.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${on.server.url}/graphiql-assets/../../package.json`)).status).toBe(404);
    const off = await start({ graphiql: false });
    const res = await fetch(off.url, { headers: { Accept: 'text/html' } });
    expect(await res.text()).not.toContain('GraphiQL');
  });

  it('in AK/SK mode signs with the gateway keys and refuses callers without a gateway key', async () => {
    const { DEMO_AK, DEMO_SK } = await import('@dbss-obs/emulator');
    const apiKey = 'gateway-api-key-0123456789';
    const { url } = await start({ mode: 'aksk', aksk: { ak: DEMO_AK, sk: DEMO_SK }, apiKeys: [apiKey] });
    const anon = await call(url);
    expect(anon.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await call(url, DEMO_TOKEN); // an IAM token is not a gateway key
    expect(forged.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(emu.requestCount).toBe(0);
    const ok = await gql(fetch, url, { projectId: DEMO_PROJECT_ID }, { Authorization: `Bearer ${apiKey}` });
    expect(ok.body.data?.obsBuckets).toHaveLength(12);
    expect(emu.requests[0]?.auth).toEqual({ type: 'aksk', ak: DEMO_AK });
    expect(() => createGateway({ mode: 'aksk', aksk: { ak: DEMO_AK, sk: DEMO_SK } })).toThrow(/API key/);
  });
});

describe('two doors, one pipeline', () => {
  it("the buffered door answers exactly as Yoga's own HTTP handling does: status, body and headers, for every common Accept", async () => {
    // A limit of 2 per minute: each caller's third request is RATE_LIMITED (429 with Retry-After).
    const fast = await start({ rateLimitPerMinute: 2 });
    const yogaOnly = await start({ fastPath: false, rateLimitPerMinute: 2 });
    const other = `query Other($projectId: ID!) { obsBuckets(projectId: $projectId) { location } }`;
    const cases: [Record<string, unknown>, Record<string, string>, string][] = [
      [{ projectId: DEMO_PROJECT_ID }, { 'X-Auth-Token': DEMO_TOKEN }, QUERY],
      [{ projectId: DEMO_PROJECT_ID }, {}, QUERY],
      [{ projectId: 'short' }, { 'X-Auth-Token': DEMO_TOKEN }, QUERY],
      [{ projectId: 5 }, { 'X-Auth-Token': DEMO_TOKEN }, QUERY],
      [{ projectId: DEMO_PROJECT_ID, region: 'mars-1' }, { 'X-Auth-Token': DEMO_TOKEN }, QUERY],
      [{ projectId: DEMO_PROJECT_ID }, { 'X-Auth-Token': 'MIIwrong-token-000000000000000' }, other],
      [{}, { 'X-Auth-Token': DEMO_TOKEN }, '{ obsBuckets { nope } }'],
      [{}, { 'X-Auth-Token': DEMO_TOKEN }, '{ obsBuckets('],
      [{}, { 'X-Auth-Token': DEMO_TOKEN }, 'mutation { x }'],
    ];
    // What Apollo Client, urql and graphql-request send, and the plain values.
    const accepts = [
      undefined,
      'application/json',
      '*/*',
      'application/graphql-response+json, application/json;q=0.9',
      'application/graphql-response+json,application/json;q=0.9,*/*;q=0.8',
      'application/json;q=0.9, application/graphql-response+json',
      'application/graphql-response+json; charset=utf-8, application/json; charset=utf-8',
    ];
    // Upstream request ids differ between calls; everything else must match.
    const strip = (b: string) => b.replace(/"requestId":"[0-9a-f]+"/g, '').replace(/"retryAfterMs":\d+/g, '');
    // Per connection or per answer: not Yoga's to decide.
    const own = new Set(['date', 'connection', 'keep-alive', 'x-request-id']);
    const post = async (url: string, variables: unknown, headers: Record<string, string>, query: string) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const kept = [...res.headers].filter(([name]) => !own.has(name));
      return {
        status: res.status,
        headers: kept,
        body: strip(await res.text()),
        requestId: res.headers.get('x-request-id'),
      };
    };
    const seen = new Set<string>();
    let n = 0;
    for (const accept of accepts) {
      for (const [variables, headers, query] of cases) {
        // A new caller per Accept, so the rate limit hits the same requests at both doors.
        const given = headers['X-Auth-Token'];
        const token = given === DEMO_TOKEN ? emu.issueToken() : given && `${given}${accepts.indexOf(accept)}`;
        const sent = { ...headers, ...(token ? { 'X-Auth-Token': token } : {}), ...(accept ? { Accept: accept } : {}) };
        const a = await post(fast.url, variables, sent, query);
        const b = await post(yogaOnly.url, variables, sent, query);
        const label = `${accept} ${query} ${JSON.stringify(variables)}`;
        expect(a.body, label).toBe(b.body);
        expect(a.status, label).toBe(b.status);
        expect(a.headers, label).toEqual(b.headers);
        expect(a.requestId).toMatch(/^[0-9a-f-]{36}$/);
        seen.add(`${a.status} ${a.headers.find(([h]) => h === 'content-type')?.[1]}`);
        n++;
      }
      // The same caller's third request in a minute: RATE_LIMITED, with Retry-After at both doors.
      const token = emu.issueToken();
      const limited = { 'X-Auth-Token': token, ...(accept ? { Accept: accept } : {}) };
      for (let i = 0; i < 3; i++) {
        const a = await post(fast.url, { projectId: DEMO_PROJECT_ID }, limited, QUERY);
        const b = await post(yogaOnly.url, { projectId: DEMO_PROJECT_ID }, limited, QUERY);
        expect(a.body).toBe(b.body);
        expect(a.status).toBe(i < 2 ? 200 : 429);
        expect(b.status).toBe(a.status);
        expect(a.headers).toEqual(b.headers);
        if (i === 2) {
          expect(a.body).toContain('RATE_LIMITED');
          expect(Number(a.headers.find(([h]) => h === 'retry-after')?.[1])).toBeGreaterThan(0);
        }
        n++;
      }
    }
    // Both media types and the GraphQL-over-HTTP statuses were met (a validation error is 400 as graphql-response+json).
    expect(seen).toContain('400 application/graphql-response+json; charset=utf-8');
    expect(seen).toContain('200 application/json; charset=utf-8');
    const via = (lines: string[]) =>
      lines
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'request')
        .map((l) => l.via);
    expect(via(fast.lines)).toEqual(Array.from({ length: n }, () => 'fast'));
    expect(via(yogaOnly.lines)).toEqual(Array.from({ length: n }, () => 'yoga'));
  });

  it("an unusual Accept goes to Yoga's door, which negotiates it", async () => {
    const { url, lines } = await start();
    for (const accept of ['text/event-stream', 'application/json; charset=latin1', 'text/html', 'application/xml']) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: accept, 'X-Auth-Token': DEMO_TOKEN },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      await res.arrayBuffer();
    }
    const via = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'request')
      .map((l) => l.via);
    expect(via.length).toBeGreaterThan(0);
    expect(via.every((v) => v === 'yoga')).toBe(true);
  });

  it('armor limits apply at the buffered door too (no upstream call)', async () => {
    const { url, lines } = await start();
    const aliases = Array.from(
      { length: 6 },
      (_, i) => `a${i}: obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName }`,
    ).join(' ');
    for (let i = 0; i < 2; i++) {
      const r = await gql(fetch, url, {}, { 'X-Auth-Token': DEMO_TOKEN }, `{ ${aliases} }`);
      expect(r.body.errors?.[0]?.message).toMatch(/alias/i);
    }
    expect(emu.requestCount).toBe(0);
    expect(lines.map((l) => JSON.parse(l).via)).toEqual(['fast', 'fast']);
  });
});

describe('graceful shutdown', () => {
  it('under load: /ready turns 503, in-flight requests all finish, then the server closes', async () => {
    const { server, url } = await start({}, { drainDelayMs: 300 });
    emu.hold();
    const tokens = Array.from({ length: 40 }, () => emu.issueToken());
    const inflight = tokens.map((t) => call(url, t));
    await emu.whenHeld(40); // every request is in flight (its upstream call waits) before the drain starts
    const stopped = server.shutdown();
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    emu.release();
    const results = await Promise.all(inflight);
    expect(results.every((r) => r.status === 200 && r.body.data?.obsBuckets?.length === 12)).toBe(true);
    expect(await stopped).toBe(true);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});

describe('GraphQL over HTTP audits (graphql-http)', () => {
  it('passes every MUST and SHOULD', async () => {
    const { url } = await start();
    const failures: string[] = [];
    let count = 0;
    for (const audit of serverAudits({
      url,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
    })) {
      if (!audit.name.startsWith('MUST') && !audit.name.startsWith('SHOULD')) continue;
      count++;
      const result = await audit.fn();
      if (result.status !== 'ok') failures.push(`${audit.name}: ${result.reason}`);
    }
    expect(count).toBeGreaterThan(30);
    expect(failures).toEqual([]);
  });
});

describe('robustness', () => {
  it('survives a client that disconnects in the middle of a request body', async () => {
    const { server, url } = await start();
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"query":"{ obsB');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const ok = await gql(fetch, url, { projectId: DEMO_PROJECT_ID }, { 'X-Auth-Token': DEMO_TOKEN });
    expect(ok.body.data?.obsBuckets).toHaveLength(12);
  });
});
