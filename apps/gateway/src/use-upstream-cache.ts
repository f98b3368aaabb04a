// Identical DBSS calls (same caller credential, region and project) in flight at once are made once
// (across replicas when the store is Redis); with a TTL, successful answers are kept and served
// without DBSS; with GATEWAY_STALE_MS, a kept answer up to that age stands in while DBSS is
// unavailable (5xx, timeout, no connection), marked `extensions.stale: { ageMs }`.
// Refusals win over kept answers: a DBSS 401 for a credential ends every answer kept for it (all
// projects and regions), a 403 the one of that (credential, region, project), fleet-wide, with one
// key write: a refusal marker that outlives every entry it ends (entries written before it are misses).
// For GATEWAY_REFUSAL_TTL_MS the marker also answers the refused credential or pair at once.
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import {
  type BucketsCall,
  type BucketsOutcome,
  credentialGroup,
  type GatewayContext,
  type ListBuckets,
  type WrapsListBuckets,
} from './context.js';
import type { Peeked, SharedStore, StoreKey } from './shared/store.js';

export interface UpstreamCacheOptions {
  store: SharedStore;
  /** Keep successful answers this long; 0 keeps none (calls are still coalesced). @default 0 */
  ttlMs?: number;
  /**
   * When DBSS answers 5xx, times out or cannot be reached, serve a kept answer up to this age
   * instead of the error. @default 0 (off)
   */
  staleMs?: number;
  /**
   * After a DBSS 401 (403), answer that credential (credential, region, project) UNAUTHENTICATED
   * (FORBIDDEN) at once for this long, with no DBSS call. 0: off (kept answers are still ended).
   * @default 10000
   */
  refusalTtlMs?: number;
  /** How long a coalesced call may hold its lock before a waiter takes over. @default 15000 */
  lockTtlMs?: number;
  /**
   * The longest a caller waits for a call another caller (on any replica) makes before it calls DBSS
   * itself (a lock renewed forever, a hostile Redis, must not hold callers for good). @default 60000
   */
  waitMs?: number;
  /** Called when a call joined one already in flight (metrics). */
  onCoalesced?: () => void;
  /** Called when a kept answer stood in for a failed DBSS call (metrics). */
  onStale?: () => void;
}

/** A kept answer and when DBSS gave it (so any replica can tell its age). */
interface Kept {
  at: number;
  /** When the call that gave it started: a refusal since then ends it (the call raced the refusal). */
  asked: number;
  outcome: BucketsOutcome & { ok: true };
}

/** A refusal marker: when DBSS refused, and until when that refusal is answered without asking DBSS. */
interface Refusal {
  at: number;
  until: number;
}

/** What a coalesced call hands every caller: the outcome, and its age when a kept one stood in. */
type SharedOutcome = BucketsOutcome & { staleAgeMs?: number };

/** DBSS is unavailable rather than saying no: 5xx, no answer in time, or no connection. */
function isOutage(outcome: BucketsOutcome): boolean {
  if (outcome.ok || !outcome.failure) return false;
  const { code, upstream } = outcome.failure;
  if (code === 'UPSTREAM_TIMEOUT' || code === 'UPSTREAM_UNAVAILABLE') return true;
  return code === 'UPSTREAM_ERROR' && upstream !== undefined && upstream.status >= 500;
}

/** Shared state is read back as untrusted input: anything not of the expected shape is absent. */
function parseKept(text: string | undefined): Kept | undefined {
  if (text === undefined) return undefined;
  try {
    const kept = JSON.parse(text) as Kept;
    return Number.isFinite(kept?.at) &&
      Number.isFinite(kept.asked) &&
      kept.outcome?.ok === true &&
      Array.isArray(kept.outcome.buckets)
      ? kept
      : undefined;
  } catch {
    return undefined;
  }
}

function parseRefusal(text: string | undefined): Refusal | undefined {
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Refusal;
    return Number.isFinite(r?.at) && Number.isFinite(r.until) ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The store keys of a call: one group per credential (one hash slot), named by region and project. */
export function bucketsKeys(call: BucketsCall) {
  const group = credentialGroup(call.credential);
  const pair = `${call.region ?? ''}|${call.projectId ?? ''}`;
  return {
    /** 401 marker: every answer of the credential. */
    credential: [group, 'refused'] as StoreKey,
    /** 403 marker: the answer of this (credential, region, project). */
    pair: [group, `refused|${pair}`] as StoreKey,
    /** The kept answer (and the coalescing lock). */
    entry: [group, `buckets|${pair}`] as StoreKey,
  };
}

export function useUpstreamCache(opts: UpstreamCacheOptions): Plugin<GatewayContext> & WrapsListBuckets {
  const { store, onCoalesced, onStale } = opts;
  const ttlMs = opts.ttlMs ?? 0;
  const staleMs = opts.staleMs ?? 0;
  const refusalTtlMs = opts.refusalTtlMs ?? 10_000;
  // One entry serves both: fresh while younger than ttlMs, a stand-in while younger than staleMs.
  const keepMs = Math.max(ttlMs, staleMs);
  // A marker must outlive every entry it ends, and its standing refusal.
  const markMs = Math.max(keepMs, refusalTtlMs);
  const lockTtlMs = opts.lockTtlMs ?? 15_000;
  const waitMs = opts.waitMs ?? 60_000;
  /** Per request: the oldest stand-in served, for the response's extensions. */
  const staleAge = new WeakMap<object, number>();

  /** What the store holds for a call, read in one round trip (the keys share a group). */
  interface Held {
    refused?: BucketsOutcome;
    /** The kept answer, unless a refusal newer than it ended it. */
    kept?: Kept;
  }

  /** The keys read for a call: both refusal markers, and the kept answer when answers are kept. */
  const peekKeys = (keys: ReturnType<typeof bucketsKeys>) =>
    keepMs > 0 ? [keys.credential, keys.pair, keys.entry] : [keys.credential, keys.pair];

  /** Judges what was read under peekKeys (verified by the store; untrusted in shape still). */
  function judge([c, p, e]: Peeked): Held {
    const now = Date.now();
    const byCredential = parseRefusal(c);
    const byPair = parseRefusal(p);
    if (byCredential && now < byCredential.until)
      return { refused: refusedOutcome('UNAUTHENTICATED', byCredential, now) };
    if (byPair && now < byPair.until) return { refused: refusedOutcome('FORBIDDEN', byPair, now) };
    const kept = parseKept(e);
    if (!kept) return {};
    // Written before a refusal (or "after now": not ours to trust): ended.
    if (kept.at > now || (byCredential && kept.asked <= byCredential.at) || (byPair && kept.asked <= byPair.at))
      return {};
    return { kept };
  }

  /** The answer what was read gives by itself: a standing refusal, or a kept answer still fresh. */
  function settled(h: Held): BucketsOutcome | undefined {
    if (h.refused) return h.refused;
    if (h.kept && Date.now() - h.kept.at < ttlMs) return h.kept.outcome;
    return undefined;
  }

  /** Records a DBSS refusal: one marker write ends the kept answers it covers, fleet-wide. */
  async function refused(keys: ReturnType<typeof bucketsKeys>, outcome: BucketsOutcome): Promise<void> {
    if (outcome.ok || markMs <= 0) return;
    const status = outcome.failure?.upstream?.status;
    const key = status === 401 ? keys.credential : status === 403 ? keys.pair : undefined;
    if (!key) return;
    const at = Date.now();
    // Every replica must see it: written while Redis is away, it reaches Redis when Redis is back.
    await store.set(key, JSON.stringify({ at, until: at + refusalTtlMs } satisfies Refusal), markMs, {
      everyReplica: true,
    });
  }

  /** Outcomes read from the store, not called for: a caller that joined one did not join a call. */
  const fromStore = new WeakSet<object>();

  const cached =
    (inner: ListBuckets): ListBuckets =>
    async (call, ctx) => {
      const keys = bucketsKeys(call);
      const read = peekKeys(keys);
      let led = false;
      const outcome: SharedOutcome = await store.coalesce(
        keys.entry,
        lockTtlMs,
        async (peeked): Promise<SharedOutcome> => {
          led = true;
          if (markMs > 0) {
            // What the store held when this lock was taken (read with it): a call that finished, or a
            // refusal recorded, between a caller's look and its lock is found here. (Not read with the
            // lock only when Redis failed on the way: read now, from wherever the store is.)
            const answer = settled(judge(peeked ?? (await store.getMany(read))));
            if (answer) return answer;
          }
          const asked = Date.now();
          const result = await inner(call, ctx);
          if (result.ok) {
            if (keepMs > 0) {
              const kept: Kept = { at: Date.now(), asked, outcome: result };
              await store.set(keys.entry, JSON.stringify(kept), keepMs);
            }
            return result;
          }
          await refused(keys, result);
          // Stale only while DBSS is unavailable, and only what no refusal has ended since.
          if (staleMs > 0 && isOutage(result)) {
            const { refused: no, kept } = judge(await store.getMany(read));
            const ageMs = kept && Date.now() - kept.at;
            if (!no && kept && ageMs !== undefined && ageMs < staleMs) return { ...kept.outcome, staleAgeMs: ageMs };
          }
          return result;
        },
        waitMs,
        // With nothing kept and refusals off there is nothing to read: coalescing only.
        markMs > 0
          ? {
              keys: read,
              use: (values) => {
                const answer = settled(judge(values));
                if (answer) fromStore.add(answer);
                return answer;
              },
            }
          : undefined,
      );
      if (!led && !fromStore.has(outcome)) onCoalesced?.();
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

/** The answer to a credential (pair) DBSS refused less than GATEWAY_REFUSAL_TTL_MS ago: no DBSS call. */
function refusedOutcome(code: 'UNAUTHENTICATED' | 'FORBIDDEN', r: Refusal, now: number): BucketsOutcome {
  const seconds = Math.max(1, Math.ceil((r.until - now) / 1000));
  return {
    ok: false,
    meta: {},
    failure: {
      code,
      message:
        code === 'UNAUTHENTICATED'
          ? `DBSS refused these credentials moments ago; the gateway answers so for ${seconds} s more without asking DBSS.`
          : `DBSS denied this credential access to the project moments ago; the gateway answers so for ${seconds} s more without asking DBSS.`,
    },
  };
}
