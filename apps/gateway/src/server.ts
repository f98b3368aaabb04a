// The HTTP server around the pipeline: only what is not GraphQL lives here — operations endpoints
// (/health, /ready, /metrics), GraphiQL's static files, request targets, the two doors into Yoga,
// the request-level facts (id, timing, status: the access line and request metrics, in requestEnded)
// and graceful drain. Every GraphQL policy is a plugin (see yoga.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendNodeResponse } from '@whatwg-node/server';
import type { Logger } from 'pino';
import { newTrace, type RequestTrace, type ServerContext } from './context.js';
import { createFastDoor, type ResultMediaType } from './fast-door.js';
import { ASSET_PREFIX, serveGraphiQLAsset } from './graphiql-assets.js';
import type { Gateway } from './yoga.js';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** For the server's own events (drain, failures outside a request). Access lines come from the gateway's logger. */
  logger: Logger;
  /** Longest time in-flight requests get to finish after SIGTERM. @default 10000 */
  shutdownTimeoutMs?: number;
  /** After SIGTERM, keep serving (with /ready at 503) this long so load balancers stop sending. @default 0 */
  drainDelayMs?: number;
  /**
   * A request whose headers and body have not all arrived this long after it began is answered 408 and
   * its connection closed (a slow-drip client cannot hold a connection). @default 30000
   */
  requestTimeoutMs?: number;
  /** Connections the API port holds at once; more are closed as they arrive. @default 1024 */
  maxConnections?: number;
  /** Serve /metrics on a listener of its own (the API port then answers 404 there). @default on the API port */
  metrics?: { port: number; host?: string };
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONNECTIONS = 1024;

export interface GatewayServer {
  server: Server;
  url: string;
  /** The metrics listener's base URL (`${metricsUrl}/metrics`), when metrics have their own. */
  metricsUrl?: string;
  /** Stop accepting, let in-flight requests finish, then close. Resolves true if nothing had to be cut. */
  shutdown(): Promise<boolean>;
  readonly draining: boolean;
}

// A Host header as RFC 9110 allows it (reg-name or IP literal, optional port); anything else is a 400.
const HOST = /^(?:[A-Za-z0-9._~!$&'()*+,;=%-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin-form (`/path?query`) of a request target. Absolute-form (`http://host/path`, legal in
 * HTTP/1.1 and what proxies send) is served the same; `*` and anything unparsable are refused.
 */
export function originForm(target: string | undefined): string | undefined {
  if (!target) return undefined;
  if (target.charCodeAt(0) === 47 /* / */) return target.charCodeAt(1) === 47 ? undefined : target;
  if (!/^https?:\/\//i.test(target) || !URL.canParse(target)) return undefined;
  const url = new URL(target);
  return `${url.pathname}${url.search}`;
}

export async function startGatewayServer(gateway: Gateway, opts: ServerOptions): Promise<GatewayServer> {
  const { yoga, metrics, accessLog } = gateway;
  const fastDoor = gateway.fastPathEnabled ? createFastDoor(gateway) : undefined;
  const log = opts.logger;
  let draining = false;
  let inFlight = 0;
  // Scrapes of /metrics on the API port now running: dbss_gateway_requests_in_flight leaves them out.
  let scrapes = 0;
  const unwatchInFlight = metrics.watchInFlight(() => inFlight - scrapes);
  let idle: (() => void) | undefined;

  /**
   * The one place a request that reached a door is accounted for, once its exchange has ended (answered,
   * or the client went away): its access line (ids, operation, result, upstream; never a secret: the trace
   * holds no credential) and its request metrics. The GraphQL facts come from the trace the pipeline filled.
   */
  function requestEnded(trace: RequestTrace, status: number) {
    const result = trace.result ?? (status >= 400 ? 'BAD_REQUEST' : 'OK');
    const seconds = (performance.now() - trace.start) / 1000;
    metrics.observeRequest(trace.operation ?? 'none', result, seconds);
    accessLog.info(
      {
        requestId: trace.requestId,
        status,
        operationName: trace.operationName,
        operation: trace.operation,
        result,
        via: trace.via,
        durationMs: Math.round(seconds * 10_000) / 10,
        upstreamStatus: trace.upstreamStatus,
        upstreamRequestId: trace.upstreamRequestId,
        apiKey: trace.apiKey,
      },
      'request',
    );
  }

  // A failure outside the pipeline (a bug): logged without the caller's input, answered without detail.
  function failed(res: ServerResponse, err: unknown) {
    log.error({ err: { name: (err as Error)?.name, code: (err as NodeJS.ErrnoException)?.code } }, 'request failed');
    if (!res.headersSent && !res.destroyed) plain(res, 500, 'internal error\n');
    else res.destroy();
  }

  // Yoga's own HTTP handling: every method, content type and Accept header; its answer is sent as is.
  function yogaDoor(req: IncomingMessage, res: ServerResponse, ctx: ServerContext) {
    ctx.trace.via = 'yoga';
    try {
      void Promise.resolve(yoga.handleNodeRequestAndResponse(req, res, ctx)).then(
        (response) => sendNodeResponse(response, res, req, false),
        (err) => failed(res, err),
      );
    } catch (err) {
      failed(res, err);
    }
  }

  async function bufferedDoor(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: ServerContext,
    mediaType: ResultMediaType,
  ) {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy(); // the client went away mid-body: nobody to answer
      return;
    }
    ctx.trace.via = 'fast';
    const fast = await (fastDoor as NonNullable<typeof fastDoor>).answer(body, req, ctx, mediaType);
    if (fast) {
      // Every header Yoga's Response carries, as Yoga's door sends them (sendNodeResponse).
      fast.headers['content-length'] = String(Buffer.byteLength(fast.body));
      res.writeHead(fast.status, fast.headers);
      res.end(fast.body);
      return;
    }
    // Not the plain shape: Yoga's door answers from the buffered body.
    ctx.trace.via = 'yoga';
    const response = await yoga.fetch(
      `http://localhost${req.url}`,
      { method: 'POST', headers: req.headers as Record<string, string>, body: body as unknown as BodyInit },
      ctx,
    );
    await sendNodeResponse(response, res, req, false);
  }

  function serveMetrics(res: ServerResponse) {
    void metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(text);
      },
      (err) => failed(res, err),
    );
  }

  const requestTimeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const listenerLimits = {
    // Node answers 408 and closes a connection whose request (headers, then body) is not complete in
    // time; it looks every connectionsCheckingInterval (default 30 s), so the 408 comes at most 0.5 s late.
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.min(500, requestTimeout),
  };
  const metricsServer = opts.metrics
    ? createServer(listenerLimits, (req, res) => {
        const target = originForm(req.url);
        const path = target?.split('?')[0];
        if (req.method === 'GET' && path === '/metrics') return serveMetrics(res);
        plain(res, 404, 'not found: this listener serves GET /metrics only\n');
      })
    : undefined;

  const server = createServer(listenerLimits, (req, res) => {
    inFlight++;
    // A client that goes away mid-body makes the request stream emit 'error' (ECONNRESET "aborted");
    // whoever reads the body sees the failure, and an unheard 'error' must not take the process down.
    req.on('error', () => {});
    const trace = newTrace(req.headers['x-request-id'] as string | undefined);
    res.setHeader('X-Request-Id', trace.requestId);
    // While draining, tell keep-alive clients to go elsewhere after this answer.
    if (draining) res.setHeader('Connection', 'close');
    let ctx: ServerContext | undefined;
    res.once('close', () => {
      inFlight--;
      if (ctx) requestEnded(trace, res.statusCode);
      if (draining && inFlight === 0) idle?.();
    });
    const target = originForm(req.url);
    const host = req.headers.host;
    if (target === undefined || (host !== undefined && !HOST.test(host)))
      return plain(res, 400, 'bad request: the request target or Host header is not a valid URL part\n');
    req.url = target;
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    if (req.method === 'GET' && path === '/health') return plain(res, 200, 'ok\n');
    if (req.method === 'GET' && path === '/ready')
      return plain(res, draining ? 503 : 200, draining ? 'draining\n' : 'ready\n');
    if (path === '/metrics') {
      // With a metrics listener of their own, metrics are not for the API port's callers.
      if (metricsServer) return plain(res, 404, 'not found\n');
      if (req.method === 'GET') {
        scrapes++;
        res.once('close', () => scrapes--);
        return serveMetrics(res);
      }
    }
    if (req.method === 'GET' && gateway.graphiql && path.startsWith(ASSET_PREFIX)) {
      return void serveGraphiQLAsset(path, res).catch((err) => failed(res, err));
    }
    ctx = { trace, req, res };
    const mediaType = fastDoor?.eligible(req);
    if (mediaType) return void bufferedDoor(req, res, ctx, mediaType).catch((err) => failed(res, err));
    yogaDoor(req, res, ctx);
  });
  server.keepAliveTimeout = 5_000;
  // Past the cap, Node closes each new connection as it arrives (and emits 'drop').
  server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  const url = await listen(server, opts.port ?? 4000, opts.host ?? '127.0.0.1');
  let metricsUrl: string | undefined;
  if (metricsServer && opts.metrics) {
    try {
      metricsUrl = await listen(metricsServer, opts.metrics.port, opts.metrics.host ?? '127.0.0.1');
    } catch (err) {
      server.close();
      throw Object.assign(err as Error, { listener: 'metrics' });
    }
  }

  return {
    server,
    url,
    metricsUrl,
    get draining() {
      return draining;
    },
    shutdown() {
      if (draining) return Promise.resolve(false);
      draining = true;
      const timeoutMs = opts.shutdownTimeoutMs ?? 10_000;
      const delay = opts.drainDelayMs ?? 0;
      return new Promise<boolean>((resolve) => setTimeout(resolve, delay)).then(
        () =>
          new Promise<boolean>((resolve) => {
            let clean = true;
            const timer = setTimeout(() => {
              clean = false;
              log.warn({ inFlight }, 'shutdown deadline reached; closing remaining connections');
              server.closeAllConnections();
            }, timeoutMs);
            idle = () => server.closeIdleConnections();
            // close() stops accepting; it calls back once every connection has ended.
            server.close(() => {
              clearTimeout(timer);
              unwatchInFlight();
              resolve(clean);
            });
            // Scrapes are short: the metrics listener just stops.
            metricsServer?.close();
            metricsServer?.closeAllConnections();
            server.closeIdleConnections();
          }),
      );
    },
  };
}

/** Listens; resolves with the base URL. */
function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve(`http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`);
    });
  });
}

/** The whole request body; rejects if the client goes away first. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the client closed the connection before the body was complete'));
    });
  });
}

function plain(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
