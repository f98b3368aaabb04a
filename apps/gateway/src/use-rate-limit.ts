// The limits, counted in the SharedStore (so across every replica with Redis), all GCRA (sliding):
// - useClientLimit: GATEWAY_CLIENT_RATE_LIMIT requests per minute per client address, before any
//   credential is read (fresh fake tokens do not buy fresh budget); useCallerLimit: GATEWAY_RATE_LIMIT
//   per caller, after useCredentials. A request costs one unit per obsBuckets field it may call (aliases included), at least
//   one; cached or not. The excess is RATE_LIMITED (HTTP 429, Retry-After, extensions.limit) with no DBSS call.
// - useUpstreamBudget: GATEWAY_UPSTREAM_RPS calls per second toward DBSS for the whole fleet; a call
//   attempt (retries included) over budget waits for a slot, up to the upstream timeout, then
//   RATE_LIMITED with limit "upstream" (never a stale answer: the gateway refused, DBSS did not fail).
import type { BlockList } from 'node:net';
import { type DocumentNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { clientAddress } from './client-address.js';
import { credentialGroup, type GatewayContext, type ListBuckets, type WrapsListBuckets } from './context.js';
import { rateLimitedError, UpstreamBudgetSpent } from './errors.js';
import type { SharedStore, StoreKey } from './shared/store.js';

const MINUTE = 60_000;

export interface RateLimitOptions {
  store: SharedStore;
  /** Requests per minute per caller; 0 turns the limit off. */
  perMinute: number;
  /** Requests per minute per client address; 0 turns the limit off. @default 0 */
  clientPerMinute?: number;
  /** Proxies whose X-Forwarded-For is believed. @default none: the socket's address counts */
  trustedProxies?: BlockList;
  /** Told about every refused request (metrics). */
  onLimited?: () => void;
}

/**
 * How many obsBuckets calls an operation may make: its obsBuckets root fields, aliased or not,
 * through fragments too. A field repeated under one response name (no alias) is merged by GraphQL:
 * counted once per response name.
 */
export function obsBucketsCost(document: DocumentNode, operationName: string | null | undefined): number {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op) return 0;
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === 'obsBuckets') names.add(sel.alias?.value ?? sel.name.value);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const f = fragments.get(sel.name.value);
        if (f) walk(f.selectionSet);
      }
    }
  };
  walk(op.selectionSet);
  return names.size;
}

// Parsed documents are cached by Yoga: the cost is worked out once per document and operation name,
// shared by both limits (weakly held: a document Yoga drops takes its costs along).
const costs = new WeakMap<DocumentNode, Map<string, number>>();
function costOf(document: DocumentNode, name: string | null | undefined): number {
  let byName = costs.get(document);
  if (!byName) {
    byName = new Map();
    costs.set(document, byName);
  }
  let cost = byName.get(name ?? '');
  if (cost === undefined) {
    cost = Math.max(1, obsBucketsCost(document, name));
    if (byName.size < 16) byName.set(name ?? '', cost);
  }
  return cost;
}

/** Refuses a request (stops execution) when the limit it is counted against is spent. */
function limiter(onLimited: (() => void) | undefined) {
  /** Counts the request against `key`; refuses it (and stops execution) when the limit is spent. */
  return async (
    payload: Parameters<NonNullable<Plugin['onExecute']>>[0],
    limit: 'client' | 'caller',
    key: StoreKey,
    store: SharedStore,
    per: number,
  ): Promise<void> => {
    const cost = costOf(payload.args.document, payload.args.operationName);
    const r = await store.hit(key, per, MINUTE, cost);
    if (r.allowed) return;
    onLimited?.();
    const what = limit === 'client' ? 'client address' : 'caller';
    const seconds = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    payload.setResultAndStopExecution({
      errors: [
        rateLimitedError(
          limit,
          r.retryAfterMs,
          `Rate limit reached: at most ${per} obsBuckets calls per minute per ${what} (this request costs ${cost}). Retry in ${seconds} s.`,
        ),
      ],
    });
  };
}

/**
 * GATEWAY_CLIENT_RATE_LIMIT: counted per client address before any credential is read (register it
 * before useCredentials): fresh made-up tokens buy no fresh budget, and a refused request costs no
 * key hashing.
 */
export function useClientLimit(opts: RateLimitOptions): Plugin<GatewayContext> {
  const { store } = opts;
  const perMinute = opts.clientPerMinute ?? 0;
  // Off: no hook at all, so requests do not pay for an async step that decides nothing.
  if (perMinute <= 0) return {};
  const check = limiter(opts.onLimited);
  return {
    onExecute(payload) {
      const ctx = payload.args.contextValue as GatewayContext;
      return check(payload, 'client', `client|${clientAddress(ctx.req, opts.trustedProxies)}`, store, perMinute);
    },
  };
}

/** GATEWAY_RATE_LIMIT: counted per caller (register it after useCredentials). */
export function useCallerLimit(opts: RateLimitOptions): Plugin<GatewayContext> {
  const { store, perMinute } = opts;
  if (perMinute <= 0) return {};
  const check = limiter(opts.onLimited);
  return {
    onExecute(payload) {
      const credential = (payload.args.contextValue as GatewayContext).credential;
      // An anonymous request never reaches DBSS (UNAUTHENTICATED): there is no caller to count.
      if (!credential) return;
      return check(payload, 'caller', [credentialGroup(credential), 'rate'], store, perMinute);
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
      // Spread the waiters rather than all retrying at the same millisecond.
      const wait = retryAfterMs + Math.floor(Math.random() * 20);
      if (Date.now() + wait > deadline) throw new UpstreamBudgetSpent(perSecond, retryAfterMs);
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
