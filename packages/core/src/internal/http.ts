// One HTTP attempt: per-attempt timeout, caller abort, errors without a status classified here.
import { DbssAbortError, DbssApiError, DbssConnectionError, DbssTimeoutError } from '../errors.js';
import type { Redactor } from './redact.js';

export type FetchLike = (input: URL | string, init: RequestInit) => Promise<Response>;

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The part of `Headers` that core reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: HeaderReader;
  text: string;
}

export interface HttpTransport {
  /** Resolves with a 2xx answer; throws a DbssError for anything else. */
  send(req: HttpRequest): Promise<HttpResponse>;
}

/** Transport over an injected `fetch`. */
export function createFetchTransport(fetchImpl: FetchLike, defaultTimeoutMs: number, redact: Redactor): HttpTransport {
  return {
    async send(req) {
      const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
      if (req.signal?.aborted) throw new DbssAbortError({ cause: req.signal.reason });
      // AbortSignal.timeout is one object and no listener: measurably cheaper than a controller + timer.
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      try {
        const res = await fetchImpl(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          signal,
          redirect: 'manual',
        });
        // The body is read under the same timer: a slowly dripped body is a timeout too.
        const text = await res.text();
        if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, text };
        throw DbssApiError.generate(res.status, text, res.headers, redact);
      } catch (err) {
        if (err instanceof DbssApiError) throw err;
        if (req.signal?.aborted) throw new DbssAbortError({ cause: req.signal.reason });
        if (timeout.aborted) throw new DbssTimeoutError(timeoutMs);
        throw new DbssConnectionError(`Could not reach ${req.url.origin}: ${describeCause(err)}`, {
          cause: err,
        });
      }
    },
  };
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
