// The retry policy of DESIGN.md, one branch per rule, decided from core's own classification of the
// failure (classifyError), in this one place: the transport asks it after every failed attempt.
import type { DbssFailure } from '../errors.js';

export interface RetryPolicy {
  /** The client's retries after the first attempt (a call may pass its own). @default 2 */
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

/**
 * Milliseconds to wait before another attempt after attempt number `attempt` (1-based) failed with
 * `failure`, or undefined to give up and throw it. `maxRetries` is the call's.
 */
export function retryDelay(
  { attempt, maxRetries, method }: { attempt: number; maxRetries: number; method: string },
  failure: DbssFailure,
  policy: RetryPolicy,
  random = Math.random,
): number | undefined {
  // Only GET is retried: it is idempotent; a POST (IAM login) is not repeated behind the caller's back.
  if (method !== 'GET') return undefined;
  // Out of attempts.
  if (attempt > maxRetries) return undefined;
  // Throttled (429), failing on DBSS's side (5xx), no answer or no answer in time: worth another try.
  // Every other 4xx, an abort, a malformed 2xx body will not change on retry.
  if (!failure.retryable) return undefined;
  // The server said how long: honour it, unless it is longer than we are prepared to wait.
  if (failure.retryAfterMs !== undefined) {
    return failure.retryAfterMs <= policy.maxRetryAfterMs ? failure.retryAfterMs : undefined;
  }
  // Exponential back-off with jitter (up to 25% less), so clients that failed together spread out.
  const exp = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(exp * (1 - 0.25 * random()));
}
