// The HTTP server around Yoga: operations endpoints, one access-log line per request, graceful drain.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { RequestTrace } from './context.js';
import { ASSET_PREFIX, serveGraphiQLAsset } from './graphiql-assets.js';
import { type Gateway, newTrace } from './yoga.js';

export interface ServerOptions {
  port?: number;
  host?: string;
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

export async function startGatewayServer(gateway: Gateway, opts: ServerOptions): Promise<GatewayServer> {
  const { yoga, metrics } = gateway;
  const fastPath = gateway.fastPathEnabled ? gateway.fastPath : undefined;
  const listener = yoga.requestListener;
  const log = opts.logger;
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  function finish(req: IncomingMessage, res: ServerResponse, trace: RequestTrace) {
    inFlight--;
    const seconds = (performance.now() - trace.start) / 1000;
    const graphql = trace.operation !== undefined || trace.result !== undefined;
    if (graphql) metrics.observeRequest(trace.operation ?? 'none', trace.result ?? 'OK', seconds);
    log.info(
      {
        requestId: trace.requestId,
        method: req.method,
        path: (req.url ?? '').split('?')[0],
        status: res.statusCode,
        operationName: trace.operationName,
        operation: trace.operation,
        result: graphql ? (trace.result ?? 'OK') : undefined,
        via: graphql ? (trace.via ?? 'yoga') : undefined,
        durationMs: Math.round(seconds * 1e4) / 10,
        upstreamStatus: trace.upstreamStatus,
        upstreamRequestId: trace.upstreamRequestId,
      },
      'request',
    );
    if (draining && inFlight === 0) idle?.();
  }

  // A failure outside Yoga (a client that went away mid-body, a file that cannot be read): log, answer 500.
  function internalError(res: ServerResponse, err: unknown) {
    log.error(
      { err: { message: (err as Error)?.message, code: (err as NodeJS.ErrnoException)?.code } },
      'request failed',
    );
    if (!res.headersSent && !res.destroyed) plain(res, 500, 'internal error\n');
    else res.destroy();
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
    res.once('close', () => finish(req, res, trace));
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return plain(res, 200, 'ok\n');
    if (req.method === 'GET' && path === '/ready')
      return plain(res, draining ? 503 : 200, draining ? 'draining\n' : 'ready\n');
    if (req.method === 'GET' && path === '/metrics') {
      void metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(text);
        },
        (err) => internalError(res, err),
      );
      return;
    }
    if (req.method === 'GET' && gateway.graphiql && path?.startsWith(ASSET_PREFIX)) {
      return void serveGraphiQLAsset(path, res).catch((err) => internalError(res, err));
    }
    if (fastPath && path === '/graphql' && fastPath.eligible(req)) {
      return void buffered(req, res, trace).catch((err) => internalError(res, err));
    }
    // requestListener sends the response; its typing omits the server-context argument it accepts.
    void (listener as (a: IncomingMessage, b: ServerResponse, c: { trace: RequestTrace }) => void)(req, res, { trace });
  });

  // Reads a JSON body; a prepared operation is answered here, anything else by Yoga from the buffer.
  async function buffered(req: IncomingMessage, res: ServerResponse, trace: RequestTrace) {
    const body = await readBody(req);
    const fast = fastPath?.run(body, req.headers, trace);
    if (fast) {
      trace.via = 'fast';
      const text = await fast;
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const response = await yoga.fetch(
      `http://${req.headers.host ?? 'localhost'}${req.url}`,
      { method: 'POST', headers, body },
      { trace },
    );
    const out = Buffer.from(await response.arrayBuffer());
    response.headers.forEach((value, key) => {
      if (key !== 'content-length') res.setHeader(key, value);
    });
    res.writeHead(response.status, { 'Content-Length': out.length });
    res.end(out);
  }
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
function readBody(req: IncomingMessage): Promise<ReturnType<typeof Buffer.concat>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the client closed the connection before the body was complete'));
    });
  });
}

function plain(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}
