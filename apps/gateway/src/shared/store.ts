// Shared state for a fleet of gateways: one small interface, an in-process implementation and a
// Redis one (chosen at start by REDIS_URL), so cache, coalescing, refusals and limits are written once.
import * as crypto from 'node:crypto';

/** What a rate-limit check decided. */
export interface HitResult {
  allowed: boolean;
  /** 0 when allowed; else how long until enough of the limit frees up (whole milliseconds, ≥ 1). */
  retryAfterMs: number;
}

/**
 * A key: a plain string, or `[group, name]`. Every key of one group lands in one Redis hash slot
 * (the group's HMAC is the key's hash tag), so one script or MGET may take several of them, on a
 * Redis Cluster too. A plain string is its own group. Keys are the caller's own words (a group is
 * often a credential): stores keep only keyed hashes of them, never the words.
 */
export type StoreKey = string | readonly [group: string, name: string];

export const groupOf = (key: StoreKey): string => (typeof key === 'string' ? key : key[0]);
export const nameOf = (key: StoreKey): string => (typeof key === 'string' ? '' : key[1]);

export interface SetOptions {
  /**
   * Every replica must see this write (a refusal). Written while Redis is unreachable, it is kept in
   * this process and written to Redis when Redis is back, for what is left of its time, unless Redis
   * holds a value for the key by then (the same refusal, recorded by another replica meanwhile).
   */
  everyReplica?: boolean;
}

/** Values of peek keys, in their order: undefined where absent (or, read from Redis, not verified). */
export type Peeked = readonly (string | undefined)[];

/**
 * What a coalesced call would find kept (an answer, a refusal), read with the lock: in the same Lua
 * step on Redis, so a kept answer costs one round trip and so does a miss (read, lock, and the read
 * under the lock, at once). The keys must share the lock key's group (one hash slot).
 */
export interface Peek<T> {
  keys: readonly StoreKey[];
  /**
   * Called when a peek key holds a value, before any lock is taken: an answer ends the coalesced call
   * there (`fn` does not run and no lock is taken); undefined goes on to the lock.
   */
  use(values: Peeked): T | undefined;
}

/** What `peek` answers from `values`: asked only when one of them holds a value. */
export function peekAnswer<T>(peek: Peek<T>, values: Peeked): T | undefined {
  return values.some((v) => v !== undefined) ? peek.use(values) : undefined;
}

/**
 * Shared state behind one interface. Values read back are verified by the Redis store (HMAC tag bound
 * to the key, shape, time): one that does not verify reads as absent and is reported (onRejected).
 */
export interface SharedStore {
  /** Where state lives: this process, or Redis (shared by every replica). */
  readonly backend: 'memory' | 'redis';
  /** The value stored under `key`, if any, not expired and verified. */
  get(key: StoreKey): Promise<string | undefined>;
  /** Several values at once (one round trip when the keys share a group), in the order of `keys`. */
  getMany(keys: readonly StoreKey[]): Promise<(string | undefined)[]>;
  /** Stores `value` under `key` for `ttlMs` milliseconds. */
  set(key: StoreKey, value: string, ttlMs: number, opts?: SetOptions): Promise<void>;
  /**
   * Spends `cost` (default 1) of a limit of `limit` per `windowMs` on `key`, GCRA (a sliding limit):
   * at most `limit` pass at once, and over any span s at most limit + ⌊s·limit/windowMs⌋ (atomic across
   * replicas with Redis). A refused hit spends nothing.
   */
  hit(key: StoreKey, limit: number, windowMs: number, cost?: number): Promise<HitResult>;
  /**
   * Runs `fn` once for every concurrent caller with the same `key` (across replicas with Redis) and
   * gives them all its result. The result must survive `JSON.stringify`/`JSON.parse`: callers on
   * other replicas receive that copy, so return errors as values. When the caller running `fn`
   * dies, its lock expires after `lockTtlMs` and exactly one waiter runs `fn` instead.
   * A waiter waits at most `maxWaitMs` (default 60000) for another caller's result, then runs `fn`
   * itself: a holder that never finishes (a lock renewed forever, a hostile Redis) holds nobody for good.
   * With `peek`, its keys are read in the same step that tries the lock (one Redis round trip for a
   * kept answer and for a miss alike): see Peek. `fn` gets their values as they were when its lock was
   * taken, or undefined when they could not be read with it (Redis failed meanwhile: read them yourself).
   */
  coalesce<T>(
    key: StoreKey,
    lockTtlMs: number,
    fn: (peeked?: Peeked) => Promise<T>,
    maxWaitMs?: number,
    peek?: Peek<T>,
  ): Promise<T>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Hashes a key with a secret: what the in-process store keeps instead of the key (which may hold a token). */
export type KeyHasher = (key: string) => string;

/**
 * SHA-256 of a secret salt and the key (base64url); without a salt, a random one for this process. The
 * in-process store's keys never leave the process, so a keyed hash suffices there, and the one-shot
 * `crypto.hash` costs a third of an HMAC object per key (0.7 vs 1.9 µs). Redis keys are HMACs (seal.ts).
 */
export function createKeyHasher(salt: string | Buffer = crypto.randomBytes(32)): KeyHasher {
  const prefix = `${typeof salt === 'string' ? salt : salt.toString('base64url')}\n`;
  // crypto.hash is Node 20.12+; the engines field allows 20.11.
  if (typeof crypto.hash === 'function') return (key) => crypto.hash('sha256', prefix + key, 'base64url');
  return (key) => crypto.createHash('sha256').update(prefix).update(key).digest('base64url');
}

/** A GCRA step: the theoretical arrival time after spending `cost` at `now`, or how long to wait. */
export interface GcraStep {
  allowed: boolean;
  retryAfterMs: number;
  /** The new theoretical arrival time (ms) when allowed. */
  tat: number;
}

/**
 * GCRA (generic cell rate algorithm): each unit moves the theoretical arrival time (TAT) on by
 * windowMs/limit; a hit passes while the TAT stays within windowMs of now. So at most `limit` pass at
 * once and the limit refills continuously: never 2×limit across a window boundary. The Lua script
 * GCRA_HIT (lua.ts) is this function, line for line.
 */
export function gcra(tat: number | undefined, now: number, limit: number, windowMs: number, cost: number): GcraStep {
  const start = tat === undefined || tat < now ? now : tat;
  const next = start + (cost * windowMs) / limit;
  // The 1 µs allowance absorbs float rounding (windowMs/limit × limit may exceed windowMs by 1 ulp).
  if (next - now <= windowMs + 0.001) return { allowed: true, retryAfterMs: 0, tat: next };
  return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(next - now - windowMs)), tat: start };
}

/** Waits `ms` milliseconds; used by waiters polling shared state. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
