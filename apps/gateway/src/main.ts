#!/usr/bin/env -S node --max-old-space-size=512
// dbss-obs-gateway: read the environment, start (the embedded emulator in demo mode and) the server.
// The 512 MB heap limit in the line above is room (a loaded gateway keeps ~20 MB live), not a squeeze:
// under it V8 grows the heap by ~1.4x of what is live instead of ~4x, so a loaded gateway stays near
// 135-145 MB instead of ~180-200 (bench/gateway.mjs measures both; still needed after core stopped keeping
// each call's timeout signal alive for 10 s).
import { isDbssError } from '@dbss-obs/core';
import { pino } from 'pino';
import { gatewayConfigFromEnv } from './config.js';
import { createMetrics } from './metrics.js';
import { startGatewayServer } from './server.js';
import { createSharedStore, redisLiveness } from './shared/create.js';
import { createTracerProvider, otlpSpanProcessor } from './tracing.js';
import { createGateway } from './yoga.js';

async function main(): Promise<number> {
  let cfg: ReturnType<typeof gatewayConfigFromEnv>;
  try {
    cfg = gatewayConfigFromEnv(process.env);
  } catch (err) {
    process.stderr.write(`dbss-obs-gateway: ${isDbssError(err) ? err.message : String(err)}\n`);
    return 2;
  }
  const logger = pino({
    level: cfg.logLevel,
    base: { service: 'dbss-obs-gateway' },
    redact: { paths: ['*.authorization', '*.token', '*.sk', '*.password', '*["x-auth-token"]'], censor: '[REDACTED]' },
  });
  // The emulator and its data are loaded only in demo mode.
  const demo = cfg.demo ? await import('@dbss-obs/emulator') : undefined;
  const emulator = demo ? await demo.startEmulator({ port: 0 }) : undefined;
  if (demo && emulator) {
    cfg.gateway.endpoint = emulator.url;
    cfg.gateway.iamEndpoint ??= emulator.url;
    // The demo project is named after this region, so queries without projectId find it too.
    cfg.gateway.region ??= demo.DEMO_REGION;
    if (cfg.gateway.graphiql !== false) {
      cfg.gateway.graphiql = {
        headers: { 'X-Auth-Token': demo.DEMO_TOKEN },
        defaultQuery: `# Demo: the embedded emulator answers. Press the run button (or Ctrl-Enter).\n{\n  obsBuckets(projectId: "${demo.DEMO_PROJECT_ID}") {\n    bucketName\n    location\n  }\n}\n`,
      };
    }
  }
  // Spans are made (traceparent reaches DBSS) unless OTEL_SDK_DISABLED; they leave the process only
  // with an OTLP endpoint.
  const tracerProvider = cfg.tracing
    ? createTracerProvider({
        spanProcessors: cfg.otlp ? [await otlpSpanProcessor()] : [],
        serviceName: cfg.serviceName,
      })
    : undefined;
  // Shared state: through Redis for a fleet (this process stands in while Redis is unreachable), else
  // in process. Connecting waits at most 2 s: a Redis that is down delays nothing more.
  const metrics = createMetrics();
  const store = await createSharedStore({
    redis: cfg.redis,
    secret: cfg.storeSecret,
    onRejected: metrics.storeRejected,
    commandTimeoutMs: cfg.redisTimeoutMs,
    logger,
  });
  // The access log (one line per request) skips redaction: its lines hold only flat strings and numbers
  // built from the request trace, which the nested `*.x` paths above can never match, and redacting
  // costs ~7 µs per line. Every other line (server events, Redis) keeps it.
  const accessLog = logger.child({}, { redact: [] });
  const gateway = createGateway({
    ...cfg.gateway,
    logger: accessLog,
    tracing: tracerProvider ?? false,
    store,
    metrics,
  });
  const redisUp = redisLiveness(store);
  if (redisUp) gateway.metrics.watchRedis(redisUp);
  let server: Awaited<ReturnType<typeof startGatewayServer>>;
  try {
    server = await startGatewayServer(gateway, {
      port: cfg.port,
      host: cfg.host,
      logger,
      shutdownTimeoutMs: cfg.shutdownTimeoutMs,
      drainDelayMs: cfg.drainDelayMs,
      requestTimeoutMs: cfg.requestTimeoutMs,
      maxConnections: cfg.maxConnections,
      metrics: cfg.metrics,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { listener?: string };
    const [variable, where] =
      e.listener === 'metrics'
        ? ['METRICS_PORT', `${cfg.metrics?.host}:${cfg.metrics?.port}`]
        : ['PORT', `${cfg.host}:${cfg.port}`];
    process.stderr.write(
      `dbss-obs-gateway: cannot listen on ${where}: ${e.code === 'EADDRINUSE' ? `the port is in use; set ${variable} to another port` : e.message}\n`,
    );
    await emulator?.close();
    return 2;
  }
  const gql = `${server.url}/graphql`;
  if (demo && emulator) {
    const body = JSON.stringify({
      query: `{ obsBuckets(projectId: "${demo.DEMO_PROJECT_ID}") { bucketName location } }`,
    });
    process.stderr.write(
      [
        `DEMO MODE: neither HUAWEICLOUD_SDK_REGION nor DBSS_ENDPOINT is set, so the embedded DBSS emulator (${emulator.url}) answers.`,
        `GraphiQL:  ${gql}?query=${encodeURIComponent(`{ obsBuckets(projectId: "${demo.DEMO_PROJECT_ID}") { bucketName location } }`)}`,
        '           (open it and press the run button; the demo token is already in the Headers tab)',
        `Token:     ${demo.DEMO_TOKEN}`,
        `Project:   ${demo.DEMO_PROJECT_ID}`,
        `Query:     { obsBuckets(projectId: "${demo.DEMO_PROJECT_ID}") { bucketName location } }`,
        `curl:      curl -s ${gql} -H 'Content-Type: application/json' -H 'X-Auth-Token: ${demo.DEMO_TOKEN}' -d '${body}'`,
        `Stop with Ctrl-C. Health: ${server.url}/health  Ready: ${server.url}/ready  Metrics: ${server.metricsUrl ?? server.url}/metrics`,
        '',
      ].join('\n'),
    );
  } else {
    const region = cfg.gateway.region;
    const target =
      cfg.gateway.endpoint ??
      (region && cfg.gateway.regionEndpoints?.[region]) ??
      `https://dbss.${region}.myhuaweicloud.com`;
    process.stderr.write(`dbss-obs-gateway listening on ${gql} (DBSS: ${target}, auth mode: ${gateway.mode})\n`);
    if (server.metricsUrl) process.stderr.write(`dbss-obs-gateway metrics on ${server.metricsUrl}/metrics\n`);
  }
  logger.info({ url: gql, metricsUrl: server.metricsUrl, demo: !!emulator, mode: gateway.mode }, 'listening');

  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'draining');
      void server.shutdown().then(async (clean) => {
        await emulator?.close();
        await tracerProvider?.shutdown().catch(() => {}); // flushes spans still queued for export
        await gateway.store.close();
        logger.info({ clean }, 'stopped');
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`dbss-obs-gateway: ${isDbssError(err) ? err.message : 'unexpected failure'}\n`);
    process.exit(1);
  },
);
