// Identical DBSS calls (same caller credential, region and project) in flight at once are made once
// (across replicas when the store is Redis); with a TTL, successful answers are kept and served
// without DBSS; with GATEWAY_STALE_MS, a kept answer up to that age stands in for a DBSS outage and
// the response says so in `extensions.stale: { ageMs }`. Storage is a SharedStore (in process, or
// Redis for a fleet); it hashes every key with a salt, so no token is kept.
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { BucketsCall, BucketsOutcome, GatewayContext, ListBuckets, WrapsListBuckets } from './context.js';
import { MemoryStore } from './shared/memory-store.js';
import type { SharedStore } from './shared/store.js';

export interface UpstreamCacheOptions {
  store: SharedStore;
  /** Keep successful answers this long; 0 keeps none (calls are still coalesced). @default 0 */
  ttlMs?: number;
  /**
   * When DBSS answers 5xx, times out or cannot be reached, serve a kept answer up to this age
   * instead of the error. @default 0 (off)
   */
  staleMs?: number;
  /** How long a coalesced call may hold its lock before a waiter takes over. @default 15000 */
  lockTtlMs?: number;
  /** Called when a call joined one already in flight (metrics). */
  onCoalesced?: () => void;
  /** Called when a kept answer stood in for a failed DBSS call (metrics). */
  onStale?: () => void;
}

/** A kept answer and when DBSS gave it (so any replica can tell its age). */
interface Kept {
  at: number;
  outcome: BucketsOutcome & { ok: true };
}

/** What a coalesced call hands every caller: the outcome, and its age when a kept one stood in. */
type SharedOutcome = BucketsOutcome & { staleAgeMs?: number };

/** DBSS is down rather than saying no: 5xx, no answer in time, or no connection. */
function isOutage(outcome: BucketsOutcome): boolean {
  if (outcome.ok || !outcome.failure) return false;
  const { code, upstream } = outcome.failure;
  if (code === 'UPSTREAM_TIMEOUT' || code === 'UPSTREAM_UNAVAILABLE') return true;
  return code === 'UPSTREAM_ERROR' && (upstream?.status ?? 500) >= 500;
}

function parseKept(text: string | undefined): Kept | undefined {
  if (text === undefined) return undefined;
  try {
    const kept = JSON.parse(text) as Kept;
    return typeof kept.at === 'number' && kept.outcome?.ok ? kept : undefined;
  } catch {
    return undefined;
  }
}

/** The store key of a call: a credential is part of it, so the store's salted hash is all it keeps. */
export function bucketsKey(call: BucketsCall): string {
  const who = call.credential.token ? `t:${call.credential.token}` : `k:${call.credential.callerId ?? ''}`;
  return `buckets|${who}|${call.region ?? ''}|${call.projectId ?? ''}`;
}

export function useUpstreamCache(opts: UpstreamCacheOptions): Plugin<GatewayContext> & WrapsListBuckets {
  const { store, onCoalesced, onStale } = opts;
  const ttlMs = opts.ttlMs ?? 0;
  const staleMs = opts.staleMs ?? 0;
  // One entry serves both: fresh while younger than ttlMs, a stand-in while younger than staleMs.
  const keepMs = Math.max(ttlMs, staleMs);
  const lockTtlMs = opts.lockTtlMs ?? 15_000;
  /** Per request: the oldest stand-in served, for the response's extensions. */
  const staleAge = new WeakMap<object, number>();
  // With a shared store, fresh answers are also kept in process: an entry never changes once written
  // and carries its own time, so a local copy is exactly as fresh and a hit costs no round trip.
  const near = store.backend === 'redis' && ttlMs > 0 ? new MemoryStore({ maxEntries: 1000 }) : undefined;

  /** The kept answer for `key` while it is fresh (younger than ttlMs). */
  async function fresh(key: string): Promise<Kept | undefined> {
    const local = near && parseKept(await near.get(key));
    if (local && Date.now() - local.at < ttlMs) return local;
    const text = await store.get(key);
    const kept = parseKept(text);
    if (!kept || Date.now() - kept.at >= ttlMs) return undefined;
    await near?.set(key, text as string, ttlMs - (Date.now() - kept.at));
    return kept;
  }

  const cached =
    (inner: ListBuckets): ListBuckets =>
    async (call, ctx) => {
      const key = bucketsKey(call);
      if (ttlMs > 0) {
        const kept = await fresh(key);
        if (kept) return kept.outcome;
      }
      let led = false;
      const outcome: SharedOutcome = await store.coalesce(key, lockTtlMs, async (): Promise<SharedOutcome> => {
        led = true;
        if (ttlMs > 0) {
          // Checked again under the lock: a call that finished between our miss and our lock stored it.
          const kept = await fresh(key);
          if (kept) return kept.outcome;
        }
        const result = await inner(call, ctx);
        if (result.ok) {
          if (keepMs > 0) {
            const text = JSON.stringify({ at: Date.now(), outcome: result } satisfies Kept);
            await store.set(key, text, keepMs);
            if (ttlMs > 0) await near?.set(key, text, ttlMs);
          }
          return result;
        }
        if (staleMs > 0 && isOutage(result)) {
          const kept = parseKept(await store.get(key));
          const ageMs = kept && Date.now() - kept.at;
          if (kept && ageMs !== undefined && ageMs < staleMs) return { ...kept.outcome, staleAgeMs: ageMs };
        }
        return result;
      });
      if (!led) onCoalesced?.();
      if (outcome.staleAgeMs === undefined) return outcome;
      onStale?.();
      staleAge.set(ctx, Math.max(staleAge.get(ctx) ?? 0, outcome.staleAgeMs));
      const { staleAgeMs: _, ...answer } = outcome;
      return answer;
    };

  const plugin: Plugin<GatewayContext> & WrapsListBuckets = { wrapListBuckets: cached };
  // Only with stale answers on: the hook adds `extensions.stale` to a result that used one. (Without,
  // no hook: each one is a step on every request's path.)
  if (staleMs > 0) {
    plugin.onExecute = ({ args }) => ({
      onExecuteDone({ result, setResult }) {
        const ageMs = staleAge.get(args.contextValue);
        if (ageMs === undefined || Symbol.asyncIterator in result) return;
        const r = result as ExecutionResult;
        if (r.data) setResult({ ...r, extensions: { ...r.extensions, stale: { ageMs } } });
      },
    });
  }
  return plugin;
}
