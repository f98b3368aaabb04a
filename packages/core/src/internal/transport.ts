// The one HTTP layer of core: an ofetch instance (retries, back-off, hooks) over a keep-alive undici
// dispatcher (or an injected fetch). Every attempt is authenticated afresh in `onRequest`, every failure
// becomes a typed DbssError in one place (`onRequestError` / `onResponseError`).
import { createFetch, type FetchContext, type FetchOptions } from 'ofetch';
import { Agent, type Dispatcher, EnvHttpProxyAgent, util as undiciUtil } from 'undici';
import {
  DbssAbortError,
  DbssApiError,
  DbssConnectionError,
  type DbssError,
  DbssTimeoutError,
  DbssTlsError,
  isDbssError,
} from '../errors.js';
import { createRedactor, redactGeneric } from './redact.js';
import { isRetryableMethod, RETRY_STATUS_CODES, type RetryPolicy, retryDelay } from './retry.js';

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

/** State of one call, carried to the hooks (and the undici adapter) through ofetch's options. */
interface CallState {
  req: SendRequest;
  opts: SendOptions;
  attempt: number;
  started: number;
  /** Set when this attempt's timer fired (the adapter aborted the request and its body). */
  timedOut: boolean;
  /** X-Request-Id of this attempt, once its headers arrived. */
  requestId: string | undefined;
  /** The typed error of the latest attempt. */
  error: DbssError | undefined;
  /** Back-off before the next attempt, decided with the error. */
  delayMs: number;
}

type DbssFetchOptions = FetchOptions<'text'> & { dbss: CallState };
type Ctx = FetchContext<string, 'text'>;
const stateOf = (ctx: Ctx) => (ctx.options as unknown as DbssFetchOptions).dbss;

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

/**
 * undici's raw header list, read when asked (core reads one or two headers of an answer): parsing every
 * header of every answer into a record cost more than the reads.
 */
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
 * The Headers class ofetch builds request headers with: a plain lower-cased record, because every
 * header we send is already a valid string (checked before I/O) and undici takes the record as is.
 * WHATWG Headers validate and sort on every call, which showed up as core's largest own cost.
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

type Adapter = (input: string, init: DbssFetchOptions) => Promise<BufferedResponse>;

/**
 * undici at its dispatcher API: the answer is buffered by a small handler instead of going through
 * `undici.request`'s body stream, per-request URL parsing and abort signal. That was half of core's cost
 * per call (bench/core.mjs); connection pooling, keep-alive, proxying and HTTP parsing stay undici's.
 */
function undiciAdapter(dispatcher: Dispatcher): Adapter {
  return (_input, init) => {
    const state = init.dbss;
    const { url } = state.req;
    return dispatchAttempt(dispatcher, state, {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: init.method as Dispatcher.HttpMethod,
      headers: (init.headers as unknown as RequestHeaders).record,
      body: (init.body as string | undefined) ?? null,
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
  state: CallState,
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
          headers = rawReader(rawHeaders as unknown as Buffer[]);
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
  return (_input, init) =>
    withAttemptTimer(init.dbss, async (signal) => {
      const res = await fetchImpl(init.dbss.req.url.href, {
        method: init.method,
        headers: (init.headers as unknown as RequestHeaders).record,
        body: init.body as string | undefined,
        signal,
        redirect: 'manual',
      });
      init.dbss.requestId = res.headers.get('x-request-id') ?? undefined;
      const text = await res.text();
      return new BufferedResponse(res.status, res.headers, text);
    });
}

/** Runs one attempt (headers and the whole body) of an injected fetch under the attempt's timer and the caller's signal. */
async function withAttemptTimer<T>(state: CallState, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
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
 * reason. Returns the disarm the adapter calls the moment the attempt settles. A plain setTimeout, not
 * `AbortSignal.timeout()`, which would keep the signal, its listeners and everything they hold (the
 * request, the ofetch context) alive for the full timeout after every call.
 */
function armAttempt(state: CallState, stop: (reason: Error) => void): () => void {
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
  });
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

  const report = (state: CallState, status: number | undefined, failure?: string) =>
    state.opts.onAttempt?.({
      status,
      requestId: state.requestId,
      durationMs: performance.now() - state.started,
      attempt: state.attempt,
      failure,
    });

  const $fetch = createFetch({
    fetch: adapter as unknown as typeof fetch,
    Headers: RequestHeaders as unknown as typeof Headers,
  });
  // Every call's options include these (added in send()), rather than being ofetch defaults
  // (`$fetch.create`): ofetch merges defaults into a call's options with a second object spread, which
  // V8 runs on a slow path, about 4 µs a call, a tenth of core's own cost.
  const baseOptions: FetchOptions<'text'> = {
    responseType: 'text',
    // Retried statuses: 429 and every 5xx. A request with no answer counts as 500 in ofetch, so
    // connection errors and timeouts are retried too; aborts opt out in onRequestError.
    retryStatusCodes: RETRY_STATUS_CODES,
    retryDelay: (ctx) => stateOf(ctx as Ctx).delayMs,
    async onRequest(ctx) {
      const state = stateOf(ctx as Ctx);
      const { opts } = state;
      state.attempt++;
      state.requestId = undefined;
      state.error = undefined;
      state.timedOut = false;
      // A caller abort during a back-off: do not send the next attempt.
      if (opts.signal?.aborted) throw new DbssAbortError({ cause: opts.signal.reason });
      // Credentials per attempt: a signature carries its time, a token may have been renewed.
      // (Object.assign: a spread followed by more properties is a slow path in V8.)
      const req: SendRequest = Object.assign({}, state.req, { headers: { ...state.req.headers } });
      if (opts.authenticate) {
        const pending = opts.authenticate(req);
        if (pending) await pending;
      }
      ctx.options.headers = new RequestHeaders(req.headers) as unknown as Headers;
      // The attempt's timer (and the caller's signal) are the adapters' (dispatchAttempt, withAttemptTimer): it covers the
      // body, which they read before resolving. ofetch's own `timeout` is not used: it is cleared once
      // headers arrive.
      state.started = opts.onAttempt ? performance.now() : 0;
    },
    onRequestError(ctx) {
      const state = stateOf(ctx as Ctx);
      const { opts } = state;
      const cause = ctx.error;
      let err: DbssError;
      if (opts.signal?.aborted) {
        err = new DbssAbortError({ cause: opts.signal.reason });
        // The caller gave up: never retried.
        ctx.options.retry = false;
      } else if (state.timedOut) {
        err = new DbssTimeoutError(opts.timeoutMs, { requestId: state.requestId });
      } else if (tlsCode(cause)) {
        // The next attempt would meet the same certificate: not retried.
        err = new DbssTlsError(state.req.url.origin, tlsCode(cause) as string, { cause });
        ctx.options.retry = false;
      } else {
        err = new DbssConnectionError(`Could not reach ${state.req.url.origin}: ${describeCause(cause)}`, {
          cause,
          requestId: state.requestId,
        });
      }
      decide(ctx as Ctx, state, err);
      report(state, undefined, err.code);
    },
    onResponse(ctx) {
      const state = stateOf(ctx as Ctx);
      report(state, ctx.response.status);
    },
    onResponseError(ctx) {
      const state = stateOf(ctx as Ctx);
      const res = ctx.response as unknown as BufferedResponse;
      decide(ctx as Ctx, state, DbssApiError.generate(res.status, res.bodyText, res.headers, redactorFor(state.opts)));
    },
  };

  /** Records the attempt's error (ofetch keeps it as the cause) and how long to wait, or not to retry. */
  function decide(ctx: Ctx, state: CallState, err: DbssError) {
    state.error = err;
    ctx.error = err;
    const delay = retryDelay(state.attempt, err, policy);
    // A Retry-After longer than we are prepared to wait: give up now with this error.
    if (delay === undefined) ctx.options.retry = false;
    else state.delayMs = delay;
  }

  return {
    async send(req, opts) {
      if (opts.signal?.aborted) throw new DbssAbortError({ cause: opts.signal.reason });
      const state: CallState = {
        req,
        opts,
        attempt: 0,
        started: 0,
        timedOut: false,
        requestId: undefined,
        error: undefined,
        delayMs: 0,
      };
      let res: BufferedResponse;
      try {
        // The URL object, not its href: ofetch then skips its base-URL and query handling, which deletes
        // option keys (and so slows every later read of the options object).
        res = (await $fetch.raw(
          req.url as unknown as string,
          // This call's own options, then the shared ones (none of the same name). Object.assign rather than
          // `{ ...baseOptions, method, … }`: V8 builds a spread followed by more properties on a slow path.
          Object.assign(
            {
              method: req.method,
              body: req.body,
              // Only GET is retried (ofetch would retry any non-payload method).
              retry: isRetryableMethod(req.method) ? opts.maxRetries : 0,
              dbss: state,
            },
            baseOptions,
          ) as DbssFetchOptions,
        )) as unknown as BufferedResponse;
      } catch (err) {
        if (isDbssError(err)) throw err;
        // ofetch's FetchError: our typed error is the attempt's error.
        if (state.error) throw state.error;
        throw err;
      }
      // 1xx/3xx (redirects are not followed) are errors too, classed by status.
      if (!res.ok) throw DbssApiError.generate(res.status, res.bodyText, res.headers, redactorFor(opts));
      return { status: res.status, headers: res.headers, text: res.bodyText };
    },
    async close() {
      await dispatcher?.close();
    },
  };
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
  if (e?.cause?.code) return e.cause.code;
  if (e?.code) return e.code;
  if (e?.cause?.message) return e.cause.message;
  return e?.message ?? String(err);
}
