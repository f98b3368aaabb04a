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
}

export interface GatewayServer {
  server: Server;
  url: string;
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

  const server = createServer((req, res) => {
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
    if (req.method === 'GET' && path === '/metrics') {
      void metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(text);
        },
        (err) => failed(res, err),
      );
      return;
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 4000, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  return {
    server,
    url: `http://${host}:${addr.port}`,
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
              resolve(clean);
            });
            server.closeIdleConnections();
          }),
      );
    },
  };
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
