// Tracing: the caller's W3C traceparent is continued, spans cover the operation and the DBSS call,
// DBSS receives traceparent; spans are exported with OTLP only when an endpoint is configured.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGateway } from '../../../scripts/cluster.mjs';
import {
  createGateway,
  createTracerProvider,
  type GatewayServer,
  gatewayConfigFromEnv,
  startGatewayServer,
} from '../src/index.js';
import { captureLogger, gql, QUERY } from './helpers.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

const emu = emulatorForFile({ beforeAll, afterAll });
let server: GatewayServer;
const exporter = new InMemorySpanExporter();
beforeAll(async () => {
  const tracing = createTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const gateway = createGateway({ endpoint: emu.url, maxRetries: 0, tracing, logger: captureLogger().logger });
  server = await startGatewayServer(gateway, { port: 0, logger: captureLogger().logger });
});
afterAll(async () => {
  await server.shutdown();
});
beforeEach(() => {
  exporter.reset();
  emu.reset();
});

const spansOf = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);

describe('tracing', () => {
  it.each([
    ['the buffered door', { 'Content-Type': 'application/json' }],
    // A cross-origin request (CORS) is Yoga's door's.
    ['Yoga’s door', { 'Content-Type': 'application/json', Origin: 'http://localhost:5173' }],
  ])('continues the caller’s traceparent through %s and sends it on to DBSS', async (_, headers) => {
    const { body } = await gql(
      fetch,
      `${server.url}/graphql`,
      { projectId: DEMO_PROJECT_ID },
      { ...headers, 'X-Auth-Token': DEMO_TOKEN, traceparent: TRACEPARENT, tracestate: 'vendor=x' },
    );
    expect(body.data?.obsBuckets).toHaveLength(12);
    const spans = spansOf(TRACE_ID);
    const operation = spans.find((s) => s.kind === SpanKind.SERVER);
    const dbss = spans.find((s) => s.kind === SpanKind.CLIENT);
    expect(operation?.name).toBe('query.Buckets');
    expect(operation?.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(dbss?.name).toBe('DBSS ListAuditObsBuckets');
    expect(dbss?.parentSpanContext?.spanId).toBe(operation?.spanContext().spanId);
    expect(dbss?.attributes['http.response.status_code']).toBe(200);
    expect(dbss?.attributes['dbss.request_id']).toBe(emu.requests[0]?.requestId);
    // DBSS got the trace: same trace id, the DBSS span as parent, the caller's tracestate kept.
    const sent = emu.requests[0]?.headers.traceparent;
    expect(W3C.exec(sent ?? '')?.slice(1)).toEqual([TRACE_ID, dbss?.spanContext().spanId]);
    expect(emu.requests[0]?.headers.tracestate).toBe('vendor=x');
  });

  it('starts a new trace when the caller sends none (or a malformed one), and DBSS still receives it', async () => {
    for (const traceparent of [undefined, '00-zzz-1-01']) {
      exporter.reset();
      emu.reset();
      await gql(
        fetch,
        `${server.url}/graphql`,
        { projectId: DEMO_PROJECT_ID },
        { 'X-Auth-Token': DEMO_TOKEN, ...(traceparent ? { traceparent } : {}) },
      );
      const [dbss] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
      const operation = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
      expect(operation?.parentSpanContext).toBeUndefined();
      const [, traceId, spanId] = W3C.exec(emu.requests[0]?.headers.traceparent ?? '') ?? [];
      expect(traceId).toBe(operation?.spanContext().traceId);
      expect(spanId).toBe(dbss?.spanContext().spanId);
    }
  });

  it('marks a failed DBSS call on its span, with the error code and status', async () => {
    emu.fault({ status: 500 });
    await gql(fetch, `${server.url}/graphql`, { projectId: DEMO_PROJECT_ID }, { 'X-Auth-Token': DEMO_TOKEN });
    const dbss = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT);
    expect(dbss?.status.code).toBe(2); // ERROR
    expect(dbss?.attributes['error.type']).toBe('UPSTREAM_ERROR');
    expect(dbss?.attributes['http.response.status_code']).toBe(500);
  });

  it('no span holds a token, a document or variables', async () => {
    await gql(fetch, `${server.url}/graphql`, { projectId: DEMO_PROJECT_ID }, { 'X-Auth-Token': DEMO_TOKEN });
    const text = JSON.stringify(exporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.events]));
    expect(text).not.toContain(DEMO_TOKEN);
    expect(text).not.toContain(DEMO_PROJECT_ID);
    expect(text).not.toContain('bucketName');
  });
});

describe('tracing with no exporter (no span processor: no spans, only traceparent on to DBSS)', () => {
  let bare: GatewayServer;
  beforeAll(async () => {
    // What the bin runs without OTEL_EXPORTER_OTLP_ENDPOINT: a provider with no span processor.
    const tracing = createTracerProvider();
    const gateway = createGateway({ endpoint: emu.url, maxRetries: 0, tracing, logger: captureLogger().logger });
    bare = await startGatewayServer(gateway, { port: 0, logger: captureLogger().logger });
  });
  afterAll(async () => {
    await bare.shutdown();
  });
  const sentTo = (i = 0) => W3C.exec(emu.requests[i]?.headers.traceparent ?? '');
  const send = (headers: Record<string, string>, query = QUERY) =>
    gql(
      fetch,
      `${bare.url}/graphql`,
      { projectId: DEMO_PROJECT_ID },
      { 'X-Auth-Token': DEMO_TOKEN, ...headers },
      query,
    );

  it.each([
    ['the buffered door', {}],
    ['Yoga’s door', { Origin: 'http://localhost:5173' }],
  ])(
    'continues the caller’s trace through %s: same trace id, a new span id, flags and tracestate kept',
    async (_, door) => {
      for (const flags of ['01', '00']) {
        emu.reset();
        const { body } = await send({
          ...door,
          traceparent: `00-${TRACE_ID}-${PARENT_ID}-${flags}`,
          tracestate: 'vendor=x',
        });
        expect(body.data?.obsBuckets).toHaveLength(12);
        const sent = emu.requests[0]?.headers.traceparent ?? '';
        const [, traceId, spanId] = sentTo() ?? [];
        expect(traceId).toBe(TRACE_ID);
        expect(spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(spanId).not.toBe(PARENT_ID);
        expect(spanId).not.toBe('0000000000000000');
        expect(sent.endsWith(`-${flags}`)).toBe(true);
        expect(emu.requests[0]?.headers.tracestate).toBe('vendor=x');
      }
      // Nothing recorded: the exporter of the recorded gateway above saw no span of this trace.
      expect(spansOf(TRACE_ID)).toEqual([]);
    },
  );

  it('a missing or malformed traceparent starts a new sampled trace (a new one per request)', async () => {
    const traceIds: string[] = [];
    for (const traceparent of [undefined, '00-zzz-1-01', `00-${'0'.repeat(32)}-${PARENT_ID}-01`, `01-${TRACE_ID}`]) {
      emu.reset();
      await send(traceparent ? { traceparent, tracestate: 'vendor=x' } : {});
      const sent = emu.requests[0]?.headers.traceparent ?? '';
      const [, traceId, spanId] = sentTo() ?? [];
      expect(traceId, traceparent).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toBe(TRACE_ID);
      expect(traceId).not.toBe('0'.repeat(32));
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(sent.endsWith('-01'), sent).toBe(true);
      // The caller's tracestate belongs to the caller's (unusable) trace: not carried into a new one.
      expect(emu.requests[0]?.headers.tracestate).toBeUndefined();
      traceIds.push(traceId as string);
    }
    expect(new Set(traceIds).size).toBe(traceIds.length);
  });

  it('two aliases in one request: two DBSS calls under the same trace id, each with its own span id', async () => {
    const twice = `query Two($projectId: ID!) {
      a: obsBuckets(projectId: $projectId, region: "cn-north-4") { bucketName }
      b: obsBuckets(projectId: $projectId, region: "cn-east-3") { bucketName }
    }`;
    for (const traceparent of [`00-${TRACE_ID}-${PARENT_ID}-01`, undefined]) {
      emu.reset();
      await send(traceparent ? { traceparent } : {}, twice);
      expect(emu.requests).toHaveLength(2);
      const [, traceA, spanA] = sentTo(0) ?? [];
      const [, traceB, spanB] = sentTo(1) ?? [];
      expect(traceA).toMatch(/^[0-9a-f]{32}$/);
      expect(traceB).toBe(traceA);
      if (traceparent) expect(traceA).toBe(TRACE_ID);
      expect(spanA).toMatch(/^[0-9a-f]{16}$/);
      expect(spanB).toMatch(/^[0-9a-f]{16}$/);
      expect(spanB).not.toBe(spanA);
    }
  });
});

describe('OTLP export', () => {
  it('is on only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces endpoint) is set, and checked', () => {
    const base = { HUAWEICLOUD_SDK_REGION: 'cn-north-4' };
    expect(gatewayConfigFromEnv(base).otlp).toBe(false);
    expect(gatewayConfigFromEnv({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).otlp).toBe(true);
    expect(
      gatewayConfigFromEnv({ ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }).otlp,
    ).toBe(true);
    expect(() => gatewayConfigFromEnv({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    );
  });

  it('the bin exports the trace of a request to the configured collector (flushed on SIGTERM)', async () => {
    const received: { path: string; type: string; body: string }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          type: req.headers['content-type'] ?? '',
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    let gateway: GatewayProcess | undefined;
    try {
      gateway = await startGateway({
        DBSS_ENDPOINT: emu.url,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'development',
        OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      });
      const { child } = gateway;
      const res = await fetch(gateway.graphql, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Auth-Token': DEMO_TOKEN, traceparent: TRACEPARENT },
        body: JSON.stringify({ query: QUERY, variables: { projectId: DEMO_PROJECT_ID } }),
      });
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
      expect(received.map((r) => r.path)).toContain('/v1/traces');
      const exported = received.map((r) => r.body).join('\n');
      expect(exported).toContain(TRACE_ID);
      expect(exported).toContain('DBSS ListAuditObsBuckets');
      expect(exported).toContain('dbss-obs-gateway');
      expect(exported).not.toContain(DEMO_TOKEN);
    } finally {
      await gateway?.stop();
      await new Promise((r) => collector.close(r));
    }
  });
});
