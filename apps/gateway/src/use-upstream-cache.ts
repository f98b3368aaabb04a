// Identical DBSS calls (same caller credential, region and project) in flight at once are made once;
// with a TTL, successful answers are kept and served without DBSS. Storage is a SharedStore
// (in process, or Redis for a fleet); it hashes every key with a salt, so no token is kept.
import type { Plugin } from 'graphql-yoga';
import { type BucketsCall, type BucketsOutcome, type GatewayContext, type ListBuckets, wrapOnce } from './context.js';
import type { SharedStore } from './shared/store.js';

export interface UpstreamCacheOptions {
  store: SharedStore;
  /** Keep successful answers this long; 0 keeps none (calls are still coalesced). @default 0 */
  ttlMs?: number;
  /** How long a coalesced call may hold its lock before a waiter takes over. @default 15000 */
  lockTtlMs?: number;
  /** Called when a call joined one already in flight (metrics). */
  onCoalesced?: () => void;
}

/** The store key of a call: a credential is part of it, so the store's salted hash is all it keeps. */
export function bucketsKey(call: BucketsCall): string {
  const who = call.credential.token ? `t:${call.credential.token}` : `k:${call.credential.callerId ?? ''}`;
  return `buckets|${who}|${call.region ?? ''}|${call.projectId ?? ''}`;
}

export function useUpstreamCache(opts: UpstreamCacheOptions): Plugin<GatewayContext> {
  const { store, onCoalesced } = opts;
  const ttlMs = opts.ttlMs ?? 0;
  const lockTtlMs = opts.lockTtlMs ?? 15_000;
  const wrappers = new WeakMap<ListBuckets, ListBuckets>();

  const cached =
    (inner: ListBuckets): ListBuckets =>
    async (call, ctx) => {
      const key = bucketsKey(call);
      if (ttlMs > 0) {
        const hit = await store.get(key);
        if (hit !== undefined) return JSON.parse(hit) as BucketsOutcome;
      }
      let led = false;
      const outcome = await store.coalesce(key, lockTtlMs, async () => {
        led = true;
        const result = await inner(call, ctx);
        if (ttlMs > 0 && result.ok) await store.set(key, JSON.stringify(result), ttlMs);
        return result;
      });
      if (!led) onCoalesced?.();
      return outcome;
    };

  return {
    onContextBuilding({ context, extendContext }) {
      extendContext({ listBuckets: wrapOnce(wrappers, context.listBuckets, cached) });
    },
  };
}
