// The HTTP layer: proxies (a real CONNECT proxy on port 0), NO_PROXY, and retries that sign afresh.
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { DEMO_AK, DEMO_BUCKETS, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DbssAttempt, DbssClient, DbssConfigError, type FetchLike } from '../src/index.js';

const emu = emulatorForFile({ beforeAll, afterAll });
let proxy: Server;
let proxyUrl: string;
/** `host:port` of every CONNECT the proxy tunnelled. */
const tunnels: string[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  proxy = createServer((_req, res) => {
    res.writeHead(405).end('this proxy only tunnels');
  });
  proxy.on('connect', (req, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const addr = proxy.address() as { port: number };
  proxyUrl = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy.close(r));
});
beforeEach(() => {
  emu.reset();
  tunnels.length = 0;
});

const envFor = (extra: Record<string, string>) => ({
  DBSS_ENDPOINT: emu.url,
  HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
  HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
  HOME: '/nonexistent-home-for-tests',
  ...extra,
});

describe('proxies', () => {
  it('HTTP_PROXY: the request goes through the proxy and reaches the emulator', async () => {
    const c = DbssClient.fromEnv(envFor({ HTTP_PROXY: proxyUrl }));
    try {
      expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
      expect(tunnels).toEqual([new URL(emu.url).host]);
      expect(emu.requests[0]?.status).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('the proxy option does the same without the environment', async () => {
    const c = new DbssClient({
      endpoint: emu.url,
      auth: { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK },
      proxy: { httpProxy: proxyUrl },
    });
    try {
      expect(await c.listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
      expect(tunnels).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it.each(['127.0.0.1', '127.0.0.1:' + '*PORT*', '*'])('NO_PROXY=%s bypasses the proxy', async (entry) => {
    const noProxy = entry.replace('*PORT*', new URL(emu.url).port);
    const c = DbssClient.fromEnv(envFor({ HTTP_PROXY: proxyUrl, NO_PROXY: noProxy }));
    try {
      expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
      expect(tunnels).toHaveLength(0);
      expect(emu.requestCount).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('a NO_PROXY entry for another host does not bypass it', async () => {
    const c = DbssClient.fromEnv(envFor({ HTTP_PROXY: proxyUrl, NO_PROXY: 'example.com,.internal' }));
    try {
      await c.listObsBuckets();
      expect(tunnels).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it('a proxy URL that is not one is a DbssConfigError naming the variable, not echoing it', () => {
    let err: unknown;
    try {
      DbssClient.fromEnv(envFor({ HTTPS_PROXY: 'user:s3cret@nowhere' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DbssConfigError);
    expect((err as DbssConfigError).variable).toBe('HTTPS_PROXY');
    expect(String(err)).not.toContain('s3cret');
  });
});

describe('retries sign afresh', () => {
  it('a retried AK/SK request carries a new X-Sdk-Date and a signature the emulator accepts', async () => {
    // Retry-After: 1 puts the retry in another second, so a reused signature would show.
    emu.fault({ status: 503, headers: { 'Retry-After': '1' } }, { times: 1 });
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK }, proxy: false });
    const attempts: DbssAttempt[] = [];
    expect(await c.listObsBuckets({ projectId: DEMO_PROJECT_ID, onAttempt: (a) => attempts.push(a) })).toHaveLength(
      DEMO_BUCKETS.length,
    );
    const [first, second] = emu.requests;
    expect([first?.status, second?.status]).toEqual([503, 200]);
    expect(second?.auth).toEqual({ type: 'aksk', ak: DEMO_AK });
    expect(second?.headers['x-sdk-date']).not.toBe(first?.headers['x-sdk-date']);
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(attempts.map((a) => a.requestId)).toEqual([first?.requestId, second?.requestId]);
  });

  it('each attempt gets its own Authorization header (seen through an injected fetch)', async () => {
    const sent: Record<string, string>[] = [];
    const recording: FetchLike = (url, init) => {
      sent.push({ ...(init.headers as Record<string, string>) });
      return fetch(url, init);
    };
    emu.fault({ status: 500, headers: { 'Retry-After': '1' } }, { times: 1 });
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK }, fetch: recording });
    await c.listObsBuckets({ projectId: DEMO_PROJECT_ID, headers: { traceparent: '00-aa-bb-01' } });
    expect(sent).toHaveLength(2);
    expect(sent[0]?.authorization).not.toBe(sent[1]?.authorization);
    expect(sent.every((h) => h.traceparent === '00-aa-bb-01')).toBe(true);
    expect(emu.requests.map((r) => r.status)).toEqual([500, 200]);
  });

  it('reports a failed attempt without an answer, then the retry', async () => {
    emu.fault({ reset: true }, { times: 1 });
    const c = new DbssClient({
      endpoint: emu.url,
      auth: { type: 'token', token: DEMO_TOKEN },
      retry: { baseDelayMs: 5 },
      proxy: false,
    });
    const attempts: DbssAttempt[] = [];
    await c.listObsBuckets({ projectId: DEMO_PROJECT_ID, onAttempt: (a) => attempts.push(a) });
    expect(attempts.map((a) => [a.attempt, a.status, a.failure])).toEqual([
      [1, undefined, 'CONNECTION_ERROR'],
      [2, 200, undefined],
    ]);
  });

  it('a caller abort during a back-off ends the call at once, without another attempt', async () => {
    // Retry-After: 30 s would hold the call for 30 s; the caller gives up as soon as the first attempt is reported.
    emu.fault({ status: 503, headers: { 'Retry-After': '30' } }, { times: 1 });
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'token', token: DEMO_TOKEN }, proxy: false });
    const controller = new AbortController();
    const err = await c
      .listObsBuckets({ projectId: DEMO_PROJECT_ID, signal: controller.signal, onAttempt: () => controller.abort() })
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'DbssAbortError', code: 'ABORTED' });
    expect(emu.requestCount).toBe(1);
  });

  it('a Retry-After longer than maxRetryAfterMs is not waited for', async () => {
    emu.fault({ status: 429, headers: { 'Retry-After': '120' } }, { times: 1 });
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'token', token: DEMO_TOKEN }, proxy: false });
    const err = await c.listObsBuckets({ projectId: DEMO_PROJECT_ID }).catch((e) => e);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfter: '120' });
    expect(emu.requestCount).toBe(1);
  });
});

describe('a proxy that drops the CONNECT', () => {
  // A real proxy on port 0 that accepts each CONNECT and destroys the socket without an answer: undici 6's
  // ProxyAgent reconnected in a loop (about 18,000 CONNECTs for one call, nodejs/undici#3897).
  let dropper: Server;
  let dropperUrl: string;
  let connects = 0;
  beforeAll(async () => {
    dropper = createServer((_req, res) => res.writeHead(405).end());
    dropper.on('connect', (_req, client: Socket) => {
      connects++;
      client.destroy();
    });
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r));
    dropperUrl = `http://127.0.0.1:${(dropper.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    dropper.closeAllConnections();
    await new Promise((r) => dropper.close(r));
  });

  it('gives one typed connection error per attempt and at most 1 + retries CONNECTs per call', async () => {
    connects = 0;
    // HTTPS_PROXY through the environment, as users set it; the target is https (what CONNECT tunnels).
    const c = DbssClient.fromEnv(
      {
        ...envFor({ HTTPS_PROXY: dropperUrl }),
        DBSS_ENDPOINT: 'https://127.0.0.1:9',
        DBSS_MAX_RETRIES: '2',
        DBSS_TIMEOUT_MS: '1000',
      },
      { retry: { baseDelayMs: 5, maxDelayMs: 5 } },
    );
    const attempts: DbssAttempt[] = [];
    try {
      const err = await c.listObsBuckets({ onAttempt: (a) => attempts.push(a) }).catch((e) => e);
      expect(err).toMatchObject({ name: 'DbssConnectionError', code: 'CONNECTION_ERROR' });
      expect(attempts.map((a) => [a.attempt, a.failure])).toEqual([
        [1, 'CONNECTION_ERROR'],
        [2, 'CONNECTION_ERROR'],
        [3, 'CONNECTION_ERROR'],
      ]);
      // Nothing keeps dialling after the call: the count, read once the call settled, is final.
      const settled = connects;
      expect(settled).toBeGreaterThanOrEqual(1);
      expect(settled).toBeLessThanOrEqual(3);
      await new Promise((r) => setTimeout(r, 100));
      expect(connects).toBe(settled);
      expect(emu.requestCount).toBe(0);
    } finally {
      await c.close();
    }
  });
});
