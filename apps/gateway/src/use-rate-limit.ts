// Two budgets, counted in the SharedStore (so across every replica with Redis):
// - useRateLimit: GATEWAY_RATE_LIMIT requests per minute per caller; every executed request counts,
//   cached or not; the excess is answered RATE_LIMITED (HTTP 429, Retry-After) without any DBSS call.
// - useUpstreamBudget: GATEWAY_UPSTREAM_RPS calls per second toward DBSS for the whole fleet; a call
//   attempt (retries included) over budget waits for the next window, up to the upstream timeout, then
//   UPSTREAM_UNAVAILABLE.
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { CallerCredential, GatewayContext, ListBuckets, WrapsListBuckets } from './context.js';
import { UpstreamBudgetSpent } from './errors.js';
import type { SharedStore } from './shared/store.js';

const MINUTE = 60_000;

export interface RateLimitOptions {
  store: SharedStore;
  /** Requests per minute per caller; 0 turns the limit off. */
  perMinute: number;
  /** Told about every refused request (metrics). */
  onLimited?: () => void;
}

/** The store key of a caller's window: it holds a credential, so the store keeps only its salted hash. */
export function callerKey(credential: CallerCredential): string {
  return credential.token ? `rate|t:${credential.token}` : `rate|k:${credential.callerId ?? ''}`;
}

export function useRateLimit(opts: RateLimitOptions): Plugin<GatewayContext> {
  const { store, perMinute } = opts;
  // Off: no hook at all, so requests do not pay for an async step that decides nothing.
  if (perMinute <= 0) return {};
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const credential = (args.contextValue as GatewayContext).credential;
      // An anonymous request never reaches DBSS (UNAUTHENTICATED): there is no caller to count.
      if (!credential) return;
      const { allowed, retryAfterMs } = await store.hit(callerKey(credential), perMinute, MINUTE);
      if (allowed) return;
      opts.onLimited?.();
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      setResultAndStopExecution({
        errors: [
          createGraphQLError(
            `Rate limit reached: at most ${perMinute} requests per minute per caller. Retry in ${seconds} s.`,
            {
              extensions: {
                code: 'RATE_LIMITED',
                retryAfterMs,
                http: { status: 429, headers: { 'Retry-After': String(seconds) } },
              },
            },
          ),
        ],
      });
    },
  };
}

export interface UpstreamBudgetOptions {
  store: SharedStore;
  /** DBSS calls per second for the whole fleet; 0 turns the budget off. */
  perSecond: number;
  /** Longest a call waits for budget (the upstream timeout). */
  maxWaitMs: number;
}

const BUDGET_KEY = 'upstream-budget';

export function useUpstreamBudget(opts: UpstreamBudgetOptions): Plugin<GatewayContext> & WrapsListBuckets {
  const { store, perSecond, maxWaitMs } = opts;
  // Waits for a slot before every attempt (core's beforeAttempt), so retries spend the budget too:
  // they come exactly when DBSS is throttling or failing.
  const waitForSlot = async (): Promise<void> => {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const { allowed, retryAfterMs } = await store.hit(BUDGET_KEY, perSecond, 1000);
      if (allowed) return;
      // Spread the waiters over the next window rather than all retrying at its first millisecond.
      const wait = retryAfterMs + Math.floor(Math.random() * 50);
      if (Date.now() + wait > deadline) throw new UpstreamBudgetSpent(perSecond);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  const budgeted =
    (inner: ListBuckets): ListBuckets =>
    (call, ctx) =>
      inner(Object.assign({}, call, { beforeAttempt: waitForSlot }), ctx);
  // Off: the call is not wrapped at all.
  return { wrapListBuckets: perSecond > 0 ? budgeted : (inner) => inner };
}
