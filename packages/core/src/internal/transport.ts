// The one HTTP layer of core: an ofetch instance (retries, back-off, hooks) over a keep-alive undici
// dispatcher (or an injected fetch). Every attempt is authenticated afresh in `onRequest`, every failure
// becomes a typed DbssError in one place (`onRequestError` / `onResponseError`).
import { type CreateFetchOptions, createFetch, type FetchOptions } from 'ofetch';
import { Agent, type Dispatcher, EnvHttpProxyAgent, Pool, util as undiciUtil } from 'undici';
import {
  classifyError,
  DbssAbortError,
  DbssApiError,
  DbssConnectionError,
  type DbssError,
  DbssTimeoutError,
  DbssTlsError,
} from '../errors.js';
import { createRedactor, redactGeneric } from './redact.js';
import { type RetryPolicy, retryDelay } from './retry.js';

export type FetchLike = (input: URL | string, init: RequestInit) => Promise<Response>;

/** The part of `Headers` that core reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: HeaderReader;
  text: string;
}

/** One HTTP attempt, as reported to `onAttempt`. */
export interface AttemptReport {
  status?: number;
  requestId?: string;
  durationMs: number;
  attempt: number;
  failure?: string;
}

export interface SendRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface SendOptions {
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  /** Retries after the first attempt; only a GET is ever retried. */
  maxRetries: number;
  onAttempt?: ((a: AttemptReport) => void) | undefined;
  /** Adds credentials to the request's headers; called before every attempt, so each retry is signed afresh. */
  authenticate?: ((req: SendRequest) => void | Promise<void>) | undefined;
  /** Secret values to remove from an error body (the credential's own), besides generic patterns. */
  secrets?: (() => readonly string[]) | undefined;
}

/** HTTP(S) proxy settings; each falls back to nothing (never to process.env here). */
export interface ProxySettings {
  httpProxy?: string | undefined;
  httpsProxy?: string | undefined;
  noProxy?: string | undefined;
}

export interface Transport {
  /** Resolves with a 2xx answer; throws a DbssError for anything else. */
  send(req: SendRequest, opts: SendOptions): Promise<HttpResponse>;
  /** Closes the keep-alive connections (a no-op with an injected fetch). */
  close(): Promise<void>;
}

/**
 * State of one attempt, carried to the adapter through ofetch's options (`dbss`): a class, so the adapter
 * finds it by `instanceof`, not by a cast.
 */
class AttemptState {
  /** Set when this attempt's timer fired (the adapter aborted the request and its body). */
  timedOut = false;
  /** X-Request-Id of this attempt, once its headers arrived. */
  requestId: string | undefined = undefined;
  started = 0;
  constructor(
    readonly req: SendRequest,
    readonly opts: SendOptions,
    readonly attempt: number,
  ) {}
}

/** The attempt's state from the options ofetch hands the adapter. */
function stateOf(init: object): AttemptState {
  if ('dbss' in init && init.dbss instanceof AttemptState) return init.dbss;
  throw new TypeError('core transport: an attempt without its state');
}

/** What our fetch adapters hand ofetch: the body already read, so a dripped body is under the attempt's timer. */
class BufferedResponse {
  readonly ok: boolean;
  readonly statusText = '';
  readonly body: true | null;
  constructor(
    readonly status: number,
    readonly headers: HeaderReader,
    readonly bodyText: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.body = bodyText ? true : null;
  }
  text(): Promise<string> {
    return Promise.resolve(this.bodyText);
  }
}

/** undici's raw header list, read when asked (docs/performance.md, "V8 notes": raw headers). */
function rawReader(raw: Buffer[]): HeaderReader {
  return {
    get(name) {
      const want = name.toLowerCase();
      let found: string | null = null;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (undiciUtil.headerNameToString(raw[i] as Buffer) !== want) continue;
        const value = (raw[i + 1] as Buffer).toString('latin1');
        found = found === null ? value : `${found}, ${value}`;
      }
      return found;
    },
  };
}

/**
 * The Headers class ofetch builds request headers with: a plain lower-cased record (every header we send
 * is checked before I/O; docs/performance.md, "V8 notes": request headers).
 */
class RequestHeaders {
  readonly record: Record<string, string> = {};
  constructor(init?: HeadersInit | RequestHeaders) {
    if (!init) return;
    const entries =
      init instanceof RequestHeaders
        ? Object.entries(init.record)
        : Array.isArray(init) || Symbol.iterator in init
          ? (init as Iterable<[string, string]>)
          : Object.entries(init as Record<string, string>);
    for (const [k, v] of entries) this.record[k.toLowerCase()] = v;
  }
  get(name: string): string | null {
    return this.record[name.toLowerCase()] ?? null;
  }
  has(name: string): boolean {
    return name.toLowerCase() in this.record;
  }
  set(name: string, value: string): void {
    this.record[name.toLowerCase()] = value;
  }
  delete(name: string): void {
    delete this.record[name.toLowerCase()];
  }
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    yield* Object.entries(this.record);
  }
  entries(): IterableIterator<[string, string]> {
    return this[Symbol.iterator]();
  }
}

/** The record of the headers ofetch built with RequestHeaders (createFetch's Headers class below). */
function headerRecord(headers: unknown): Record<string, string> {
  if (headers instanceof RequestHeaders) return headers.record;
  throw new TypeError('core transport: request headers not built by RequestHeaders');
}

/** What ofetch calls as its `fetch`: one attempt, the answer already read (see BufferedResponse). */
type Adapter = (input: unknown, init: RequestInit) => Promise<BufferedResponse>;

/**
 * undici at its dispatcher API, the answer buffered by a small handler; pooling, keep-alive, proxying and
 * HTTP parsing stay undici's (docs/performance.md, "V8 notes": dispatcher API).
 */
function undiciAdapter(dispatcher: Dispatcher): Adapter {
  return (_input, init) => {
    const state = stateOf(init);
    const { url, method, body } = state.req;
    return dispatchAttempt(dispatcher, state, {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: method as Dispatcher.HttpMethod,
      headers: headerRecord(init.headers),
      body: body ?? null,
    });
  };
}

/**
 * One attempt through `dispatcher.dispatch`, settled with the whole body read, under the attempt's timer
 * and the caller's signal. Either one stopping the attempt aborts the request (once undici has it on a
 * connection) and rejects at once, even while the request still waits for a connection.
 */
function dispatchAttempt(
  dispatcher: Dispatcher,
  state: AttemptState,
  options: Dispatcher.DispatchOptions,
): Promise<BufferedResponse> {
  return new Promise<BufferedResponse>((resolve, reject) => {
    const caller = state.opts.signal;
    if (caller?.aborted) return reject(abortReason(caller));
    let settled = false;
    let abort: ((err: Error) => void) | undefined;
    let stopped: Error | undefined;
    let status = 0;
    let headers: HeaderReader | undefined;
    const chunks: Buffer[] = [];
    const settle = (err: unknown, res?: BufferedResponse) => {
      if (settled) return;
      settled = true;
      disarm();
      if (res) resolve(res);
      else reject(err);
    };
    const disarm = armAttempt(state, (err) => {
      if (settled) return;
      stopped = err;
      abort?.(err);
      settle(err);
    });
    try {
      dispatcher.dispatch(options, {
        onConnect(abortRequest) {
          if (stopped) abortRequest(stopped);
          else abort = abortRequest;
        },
        onHeaders(statusCode, rawHeaders) {
          if (statusCode < 200) return true; // 1xx: the final answer follows
          status = statusCode;
          headers = rawReader(rawHeaders);
          state.requestId = headers.get('x-request-id') ?? undefined;
          return true;
        },
        onData(chunk) {
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          settle(undefined, new BufferedResponse(status, headers as HeaderReader, body.toString('utf8')));
        },
        onError(err) {
          settle(err);
        },
      });
    } catch (err) {
      settle(err);
    }
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

function fetchAdapter(fetchImpl: FetchLike): Adapter {
  return (_input, init) => {
    const state = stateOf(init);
    return withAttemptTimer(state, async (signal) => {
      const res = await fetchImpl(state.req.url.href, {
        method: state.req.method,
        headers: headerRecord(init.headers),
        body: state.req.body,
        signal,
        redirect: 'manual',
      });
      state.requestId = res.headers.get('x-request-id') ?? undefined;
      const text = await res.text();
      return new BufferedResponse(res.status, res.headers, text);
    });
  };
}

/** Runs one attempt (headers and the whole body) of an injected fetch under the attempt's timer and the caller's signal. */
async function withAttemptTimer<T>(state: AttemptState, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const caller = state.opts.signal;
  if (caller?.aborted) throw abortReason(caller);
  const controller = new AbortController();
  const disarm = armAttempt(state, (reason) => controller.abort(reason));
  try {
    return await run(controller.signal);
  } finally {
    disarm();
  }
}

/**
 * Arms one attempt: its timer, and a listener on the caller's signal; either calls `stop` with its
 * reason. Returns the disarm the adapter calls the moment the attempt settles. A plain setTimeout
 * (docs/performance.md, "V8 notes": attempt timer).
 */
function armAttempt(state: AttemptState, stop: (reason: Error) => void): () => void {
  const { signal: caller, timeoutMs } = state.opts;
  const timer = setTimeout(() => {
    state.timedOut = true;
    stop(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, timeoutMs);
  const onAbort = caller ? () => stop(abortReason(caller)) : undefined;
  if (caller && onAbort) caller.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    if (caller && onAbort) caller.removeEventListener('abort', onAbort);
  };
}

/** A keep-alive undici dispatcher; through undici's proxy agent when a proxy is configured. */
export function createDispatcher(proxy: ProxySettings = {}): Dispatcher {
  const keepAlive = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 600_000 };
  if (!proxy.httpProxy && !proxy.httpsProxy) return new Agent(keepAlive);
  // Every value is passed (empty when unset) so undici never falls back to process.env itself.
  return new EnvHttpProxyAgent({
    ...keepAlive,
    httpProxy: proxy.httpProxy ?? '',
    httpsProxy: proxy.httpsProxy ?? '',
    noProxy: proxy.noProxy ?? '',
    factory: poolWithFinalConnectErrors,
  });
}

/**
 * The pools undici's proxy agent tunnels through, with one change: a CONNECT the proxy drops (the socket
 * closes before an answer) fails the waiting requests instead of being dialled again. undici 7 treats that
 * failure (`UND_ERR_SOCKET`) as recoverable and reconnects at once, forever, even after the request was
 * aborted: about 18,000 CONNECTs for one call (nodejs/undici#3897; fixed in undici 8 by
 * `UND_ERR_PRX_CONN`, which needs Node 22). Here it gets the same code, so each attempt costs one CONNECT
 * and ends in a DbssConnectionError; retries stay core's policy.
 */
function poolWithFinalConnectErrors(origin: string | URL, options: object): Dispatcher {
  const opts = options as Pool.Options;
  const connect = opts.connect;
  if (typeof connect !== 'function') return new Pool(origin, opts);
  return new Pool(origin, {
    ...opts,
    connect: (connectOpts, callback) =>
      connect(connectOpts, (err, socket) => {
        if (err && (err as { code?: string }).code === 'UND_ERR_SOCKET') callback(new ProxyConnectionError(err), null);
        else if (err) callback(err, null);
        else callback(null, socket as NonNullable<typeof socket>);
      }),
  });
}

/** The proxy closed the tunnel before answering the CONNECT (the code undici 8 uses for it). */
class ProxyConnectionError extends Error {
  override readonly name = 'ProxyConnectionError';
  readonly code = 'UND_ERR_PRX_CONN';
  constructor(cause: Error) {
    super('the proxy closed the connection before answering CONNECT', { cause });
  }
}

export interface TransportOptions {
  /** A fetch to send with instead of undici. */
  fetch?: FetchLike | undefined;
  proxy?: ProxySettings | undefined;
  retry: RetryPolicy;
}

export function createTransport(options: TransportOptions): Transport {
  const dispatcher = options.fetch ? undefined : createDispatcher(options.proxy);
  const adapter = options.fetch ? fetchAdapter(options.fetch) : undiciAdapter(dispatcher as Dispatcher);
  const policy = options.retry;
  const redactorFor = (opts: SendOptions) => (opts.secrets ? createRedactor(opts.secrets()) : redactGeneric);

  // ofetch is the HTTP layer: it resolves each attempt's options, builds its headers with RequestHeaders
  // and calls the adapter. Its retry, hooks and timeout are not used: retries are core's policy, decided
  // from core's classification of the failure (retry.ts) with a back-off the caller's signal cuts short;
  // credentials and the attempt's timer belong to each attempt, which this loop runs. One boundary cast:
  // ofetch types its fetch and Headers as the WHATWG ones, which the adapter and RequestHeaders replace.
  const $fetch = createFetch({ fetch: adapter, Headers: RequestHeaders } as unknown as CreateFetchOptions);

  /**
   * The request of one attempt with its credentials: a signature carries its time, a token may have been
   * renewed. What `authenticate` (or the caller's `beforeAttempt` in it) throws ends the call as thrown.
   */
  async function authenticated(state: AttemptState): Promise<SendRequest> {
    // Object.assign: docs/performance.md, "V8 notes": spreads.
    const req: SendRequest = Object.assign({}, state.req, { headers: { ...state.req.headers } });
    const pending = state.opts.authenticate?.(req);
    if (pending) await pending;
    return req;
  }

  /** One attempt through ofetch and the adapter. Resolves with any answer; rejects when there is none. */
  async function attempt(state: AttemptState, req: SendRequest): Promise<BufferedResponse> {
    const { opts } = state;
    // The attempt's timer (and the caller's signal) are the adapters' (dispatchAttempt, withAttemptTimer):
    // it covers the body, which they read before resolving.
    state.started = opts.onAttempt ? performance.now() : 0;
    // The URL object, not its href: docs/performance.md, "V8 notes": ofetch options.
    const res = await $fetch.raw(
      req.url as unknown as string,
      {
        method: req.method,
        headers: req.headers,
        body: req.body,
        responseType: 'text',
        retry: false,
        ignoreResponseError: true,
        dbss: state,
      } as FetchOptions<'text'>,
    );
    if (res instanceof BufferedResponse) return res;
    throw new TypeError('core transport: an answer not read by the adapter');
  }

  /** The typed error of an attempt that got no answer. */
  function noAnswer(state: AttemptState, err: unknown): DbssError {
    const { opts } = state;
    if (opts.signal?.aborted) return new DbssAbortError({ cause: opts.signal.reason });
    if (state.timedOut) return new DbssTimeoutError(opts.timeoutMs, { requestId: state.requestId });
    // ofetch wraps what the adapter threw.
    const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
    // A certificate that is not trusted (classified not retryable: the next attempt would meet it again).
    const tls = tlsCode(cause);
    if (tls) return new DbssTlsError(state.req.url.origin, tls, { cause });
    return new DbssConnectionError(`Could not reach ${state.req.url.origin}: ${describeCause(cause)}`, {
      cause,
      requestId: state.requestId,
    });
  }

  const report = (state: AttemptState, status: number | undefined, failure?: string) =>
    state.opts.onAttempt?.({
      status,
      requestId: state.requestId,
      durationMs: performance.now() - state.started,
      attempt: state.attempt,
      failure,
    });

  return {
    async send(req, opts) {
      for (let n = 1; ; n++) {
        // A caller abort before the first attempt or during a back-off: do not send.
        if (opts.signal?.aborted) throw new DbssAbortError({ cause: opts.signal.reason });
        const state = new AttemptState(req, opts, n);
        const signed = await authenticated(state);
        let error: DbssError;
        try {
          const res = await attempt(state, signed);
          report(state, res.status);
          if (res.ok) return { status: res.status, headers: res.headers, text: res.bodyText };
          // Error statuses, and 1xx/3xx (redirects are not followed), classed by status.
          error = DbssApiError.generate(res.status, res.bodyText, res.headers, redactorFor(opts));
        } catch (err) {
          error = noAnswer(state, err);
          report(state, undefined, error.code);
        }
        const delay = retryDelay(
          { attempt: n, maxRetries: opts.maxRetries, method: req.method },
          classifyError(error),
          policy,
        );
        if (delay === undefined) throw error;
        await backOff(delay, opts.signal);
      }
    },
    async close() {
      await dispatcher?.close();
    },
  };
}

/** The wait before a retry; the caller's signal ends it at once (the loop then throws DbssAbortError). */
function backOff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Node's certificate verification codes (OpenSSL's, and the host name check). */
const TLS_CODES =
  /^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH|ERR_SSL_)/;

/** The certificate error code somewhere in `err`'s cause chain, if the failure was one. */
function tlsCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as typeof e) {
    if (typeof e.code === 'string' && TLS_CODES.test(e.code)) return e.code;
  }
  return undefined;
}

function describeCause(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.code) return e.code;
  if (e?.cause?.code) return e.cause.code;
  if (e?.cause?.message) return e.cause.message;
  return e?.message ?? String(err);
}
