// Without REDIS_URL the fleet features run in process (the embedded default): rate limit, upstream
// budget, cache and stale-if-error through the same plugins, in-process (yoga.fetch), real emulator.
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayConfigFromEnv } from '../../src/config.js';
import { createGateway, type GatewayOptions } from '../../src/yoga.js';
import { projectId } from './harness.js';

const emu = emulatorForFile(
  { beforeAll, afterAll },
  { tokens: { [DEMO_TOKEN]: { projects: '*' }, 'MIIother-caller': { projects: '*' } } },
);
beforeEach(() => emu.reset());

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: { obsBuckets?: unknown[] | null } | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

function gatewayWith(opts: GatewayOptions) {
  const gateway = createGateway({ endpoint: emu.url, maxRetries: 0, tracing: false, ...opts });
  const ask = async (project: string, token = DEMO_TOKEN): Promise<Answer> => {
    const res = await gateway.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': token },
      body: JSON.stringify({
        query: 'query B($p: ID) { obsBuckets(projectId: $p) { bucketName } }',
        variables: { p: project },
      }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
  };
  return { gateway, ask };
}

const arrivals = () => emu.requestCount;

describe('GATEWAY_RATE_LIMIT in process', () => {
  it('serves `limit` requests a minute per caller, then RATE_LIMITED (429, Retry-After) with no DBSS call', async () => {
    emu.setBuckets(projectId(100), [{ bucket_name: 'b', location: 'cn-north-4' }]);
    const { ask } = gatewayWith({ rateLimitPerMinute: 3, cacheTtlMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await ask(projectId(100))).body.errors).toBeUndefined();
    const before = arrivals();
    const limited = await ask(projectId(101)); // not cached: would need DBSS
    expect(arrivals()).toBe(before);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.data ?? null).toBeNull();
    const ext = limited.body.errors?.[0]?.extensions ?? {};
    expect(ext.code).toBe('RATE_LIMITED');
    expect(ext.limit).toBe('caller');
    expect(Number.isInteger(ext.retryAfterMs)).toBe(true);
    expect(ext.retryAfterMs as number).toBeGreaterThan(0);
    expect(ext.retryAfterMs as number).toBeLessThanOrEqual(60_000);
    expect(ext).not.toHaveProperty('http');
    expect((await ask(projectId(100), 'MIIother-caller')).body.errors).toBeUndefined();
  });
});

describe('GATEWAY_UPSTREAM_RPS in process', () => {
  it('over budget, a call waits for a slot; beyond the upstream timeout it is RATE_LIMITED, limit "upstream" (429)', async () => {
    for (let n = 1; n <= 4; n++) emu.setBuckets(projectId(200 + n), []);
    const { ask } = gatewayWith({ upstreamRps: 2, timeoutMs: 300 });
    const answers = await Promise.all([1, 2, 3, 4].map((n) => ask(projectId(200 + n))));
    const codes = answers.map((a) => a.body.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED']);
    for (const a of answers.filter((x) => x.body.errors)) {
      expect(a.status).toBe(429);
      const ext = a.body.errors?.[0]?.extensions ?? {};
      expect(ext.limit).toBe('upstream');
      expect(Number.isInteger(ext.retryAfterMs)).toBe(true);
      expect(ext.retryAfterMs as number).toBeGreaterThan(0);
    }
    expect(arrivals()).toBe(2);
  });

  it('retries spend the budget too: a call DBSS throttles never sends more attempts than the budget allows', async () => {
    emu.setBuckets(projectId(250), []);
    // 2 retries a call; DBSS answers 503 twice, then the list. Budget: 2 attempts a second, 300 ms to wait.
    const { ask } = gatewayWith({
      upstreamRps: 2,
      timeoutMs: 300,
      maxRetries: 2,
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
    });
    emu.fault({ status: 503 }, { times: 2 });
    const answer = await ask(projectId(250));
    // Counting calls, the retry after the budget was spent would have gone out as a third attempt.
    expect(arrivals()).toBe(2);
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'upstream' });
  });

  it('with time to wait, every call is made, never more than the budget per second', async () => {
    for (let n = 1; n <= 5; n++) emu.setBuckets(projectId(300 + n), []);
    const { ask } = gatewayWith({ upstreamRps: 2, timeoutMs: 5000 });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => ask(projectId(300 + n))));
    for (const a of answers) expect(a.body).toEqual({ data: { obsBuckets: [] } });
    // 2 a second, sliding: 2 at once, then one every 500 ms: the fifth is sent at least 1.5 s after the
    // first. The emulator's clock sees them after the loopback hop, which a loaded machine stretches
    // unevenly (hundreds of ms): so ≥ 1 s here, against a few ms without a budget. The exact spacing is
    // proved on a controllable clock in store.test.ts (sliding limit).
    const times = emu.requests.map((r) => r.time);
    expect(times).toHaveLength(5);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1000);
  });
});

describe('refusals in process (the default store)', () => {
  it('after a DBSS 401 the credential is answered UNAUTHENTICATED at once (GATEWAY_REFUSAL_TTL_MS, default 10 s)', async () => {
    emu.setBuckets(projectId(400), []);
    const { ask } = gatewayWith({});
    emu.fault({ status: 401 }, { times: 1 });
    expect((await ask(projectId(400))).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const before = arrivals();
    // Another project, same credential: no DBSS call.
    const again = await ask(DEMO_PROJECT_ID);
    expect(again.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(arrivals()).toBe(before);
    // Another credential is not touched.
    expect((await ask(DEMO_PROJECT_ID, 'MIIother-caller')).body.errors).toBeUndefined();
  });

  it('GATEWAY_REFUSAL_TTL_MS=0: DBSS is asked again, but a kept answer is still ended by the 401', async () => {
    const { ask } = gatewayWith({ refusalTtlMs: 0, cacheTtlMs: 60_000 });
    expect((await ask(DEMO_PROJECT_ID)).body.errors).toBeUndefined();
    emu.fault({ status: 401 }, { times: 1 });
    expect((await ask(projectId(401))).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const before = arrivals();
    // The cached answer was ended: DBSS is asked (and answers) again.
    expect((await ask(DEMO_PROJECT_ID)).body.errors).toBeUndefined();
    expect(arrivals()).toBe(before + 1);
  });

  it('a kept copy never stands in after a 401, even when DBSS then fails', async () => {
    const { ask } = gatewayWith({ cacheTtlMs: 1, staleMs: 60_000, refusalTtlMs: 1 });
    expect((await ask(DEMO_PROJECT_ID)).body.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    emu.fault({ status: 401 }, { times: 1 });
    expect((await ask(DEMO_PROJECT_ID)).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await new Promise((r) => setTimeout(r, 20)); // the 1 ms standing refusal is over
    emu.fault({ status: 503 }, { times: 1 });
    const after = await ask(DEMO_PROJECT_ID);
    expect(after.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(after.body.extensions).toBeUndefined();
  });
});

describe('a request costs what it may call', () => {
  it('N obsBuckets fields (aliased or through a fragment) count N toward the caller limit', async () => {
    const { gateway } = gatewayWith({ rateLimitPerMinute: 6 });
    const post = async (query: string) => {
      const res = await gateway.yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': DEMO_TOKEN },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as Answer['body'];
    };
    const p = `projectId: "${DEMO_PROJECT_ID}"`;
    // 4 fields: two aliases, one plain, one in a fragment.
    const four = `{ a: obsBuckets(${p}) { bucketName } b: obsBuckets(${p}, region: "cn-east-3") { bucketName } obsBuckets(${p}) { location } ...F } fragment F on Query { f: obsBuckets(${p}, region: "cn-north-1") { bucketName } }`;
    expect((await post(four)).errors?.[0]?.extensions?.code).not.toBe('RATE_LIMITED');
    const before = arrivals();
    // 4 spent of 6: a second 4-field request does not fit; a 2-field one does.
    const refused = await post(four);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'caller' });
    expect(arrivals()).toBe(before);
    expect(
      (await post(`{ a: obsBuckets(${p}) { bucketName } b: obsBuckets(${p}) { location } }`)).errors,
    ).toBeUndefined();
  });
});

describe('GATEWAY_STALE_MS in process', () => {
  it('a kept answer stands in for a DBSS outage, marked stale; a refusal is never hidden', async () => {
    // A timeout long enough for a loaded machine; the timeout case is an answer held past it.
    const { ask } = gatewayWith({ cacheTtlMs: 1, staleMs: 60_000, timeoutMs: 2000 });
    const fresh = await ask(DEMO_PROJECT_ID);
    expect(fresh.body.errors).toBeUndefined();
    expect(fresh.body.extensions).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    for (const fault of [{ status: 500 }, 'held past the timeout', { reset: true }] as const) {
      if (typeof fault === 'string') emu.hold();
      else emu.fault(fault, { times: 1 });
      const stale = await ask(DEMO_PROJECT_ID);
      if (emu.release() > 0) {
        // The released call (the gateway gave up on it) is answered before the next fault is set: it must not take it.
        const deadline = Date.now() + 10_000;
        while (emu.requests.length < emu.requestCount && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 5));
      }
      expect(stale.body.errors, JSON.stringify(fault)).toBeUndefined();
      expect(stale.body.data?.obsBuckets).toEqual(fresh.body.data?.obsBuckets);
      const ageMs = (stale.body.extensions?.stale as { ageMs?: number } | undefined)?.ageMs ?? -1;
      expect(Number.isInteger(ageMs)).toBe(true);
      expect(ageMs, `${JSON.stringify(fault)} ${JSON.stringify(stale.body)}`).toBeGreaterThanOrEqual(20);
    }
    // DBSS saying no (403) is an answer, not an outage.
    emu.fault({ status: 403 }, { times: 1 });
    expect((await ask(DEMO_PROJECT_ID)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('off by default: the outage is the answer', async () => {
    const { ask } = gatewayWith({ cacheTtlMs: 1 });
    await ask(DEMO_PROJECT_ID);
    await new Promise((r) => setTimeout(r, 20));
    emu.fault({ status: 503 }, { times: 1 });
    const failed = await ask(DEMO_PROJECT_ID);
    expect(failed.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(failed.body.extensions).toBeUndefined();
  });
});

describe('fleet configuration', () => {
  const base = { DBSS_ENDPOINT: 'http://127.0.0.1:9' };
  it('reads REDIS_URL, GATEWAY_STALE_MS, GATEWAY_RATE_LIMIT, GATEWAY_UPSTREAM_RPS', () => {
    const cfg = gatewayConfigFromEnv({
      ...base,
      REDIS_URL: 'redis://:secret@127.0.0.1:6379/0',
      GATEWAY_STORE_SECRET: 's'.repeat(32),
      GATEWAY_STALE_MS: '300000',
      GATEWAY_RATE_LIMIT: '600',
      GATEWAY_UPSTREAM_RPS: '20',
    });
    expect(cfg.redis).toEqual({
      topology: 'single',
      node: { host: '127.0.0.1', port: 6379 },
      db: 0,
      username: undefined,
      password: 'secret',
      tls: undefined,
    });
    expect(cfg.gateway).toMatchObject({ staleMs: 300_000, rateLimitPerMinute: 600, upstreamRps: 20 });
    expect(gatewayConfigFromEnv(base)).toMatchObject({ redis: undefined, gateway: { rateLimitPerMinute: 0 } });
  });

  it.each([
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['GATEWAY_RATE_LIMIT', '-1'],
    ['GATEWAY_UPSTREAM_RPS', 'fast'],
    ['GATEWAY_STALE_MS', '1.5'],
    ['GATEWAY_KEY_SALT', 'a-salt-from-before-the-store-secret'],
    ['GATEWAY_STORE_SECRET', 'x'.repeat(31)],
    ['GATEWAY_CLIENT_RATE_LIMIT', '-5'],
    ['GATEWAY_REFUSAL_TTL_MS', 'soon'],
    ['GATEWAY_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['GATEWAY_TRUSTED_PROXIES', '127.0.0.1,not-an-ip'],
    ['GATEWAY_REDIS_TIMEOUT_MS', '0'],
  ])('a bad %s fails at start, naming the variable', (variable, value) => {
    // With a valid secret, so a bad Redis variable is what fails (a missing secret is refused first).
    expect(() => gatewayConfigFromEnv({ ...base, GATEWAY_STORE_SECRET: 's'.repeat(32), [variable]: value })).toThrow(
      expect.objectContaining({ variable, code: 'CONFIG_ERROR' }),
    );
  });

  it('never echoes a Redis URL (it may hold a password)', () => {
    try {
      gatewayConfigFromEnv({ ...base, REDIS_URL: 'htp://:hunter2-secret@redis', GATEWAY_STORE_SECRET: 's'.repeat(32) });
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('hunter2');
    }
  });
});
