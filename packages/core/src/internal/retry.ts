// The retry policy of DESIGN.md, one branch per rule.
import { DbssApiError } from '../errors.js';

export interface RetryPolicy {
  maxRetries: number;
  /** First back-off. @default 500 */
  baseDelayMs: number;
  /** Largest back-off. @default 8000 */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is thrown. @default 60000 */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, 'maxRetries'> = {
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/** Only GET is retried: it is idempotent; a POST (IAM login) is not repeated behind the caller's back. */
export function isRetryableMethod(method: string): boolean {
  return method === 'GET';
}

/**
 * Statuses worth another attempt. Throttled (429): wait as told, then try again. Server-side failures
 * (5xx): transient by nature. No answer at all (connection error, timeout) counts as 500 in ofetch, so
 * it is retried too. Every other 4xx, aborts, and malformed 2xx bodies will not change on retry.
 */
export const RETRY_STATUS_CODES: number[] = [429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];

/** Milliseconds to wait before retry number `retry` (1-based), or undefined to give up. */
export function retryDelay(retry: number, err: unknown, policy: RetryPolicy, random = Math.random): number | undefined {
  const after = err instanceof DbssApiError ? retryAfterMs(err) : undefined;
  if (after !== undefined) {
    // The server said how long: honour it, unless it is longer than we are prepared to wait.
    return after <= policy.maxRetryAfterMs ? after : undefined;
  }
  // Exponential back-off with jitter (up to 25% less), so clients that failed together spread out.
  const exp = Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
  return Math.round(exp * (1 - 0.25 * random()));
}

function retryAfterMs(err: DbssApiError): number | undefined {
  const h = err.retryAfter;
  if (h === undefined) return undefined;
  const secs = Number(h);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(h);
  if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  return undefined;
}
