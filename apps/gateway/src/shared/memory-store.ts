// The in-process SharedStore: the default without REDIS_URL, and every replica's fallback while
// Redis is unreachable. Same semantics as the Redis store, for one process (its values cannot be
// written by anyone else, so they carry no tag; keys are still hashed: they may hold a token).
import {
  createKeyHasher,
  gcra,
  groupOf,
  type HitResult,
  type KeyHasher,
  nameOf,
  type Peek,
  type Peeked,
  peekAnswer,
  type SharedStore,
  type StoreKey,
} from './store.js';

export interface MemoryStoreOptions {
  /** Most entries (values and rate-limit states each) kept; the oldest go first. @default 10000 */
  maxEntries?: number;
  /** Hashes key groups before they are kept. @default a salted SHA-256 with a random per-process salt */
  hashKey?: KeyHasher;
  /** The clock. @default Date.now */
  now?: () => number;
}

export class MemoryStore implements SharedStore {
  readonly backend = 'memory' as const;
  readonly #values = new Map<string, { value: string; expiresAt: number }>();
  /** GCRA theoretical arrival times (ms) per limit key. */
  readonly #limits = new Map<string, number>();
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #max: number;
  readonly #hash: KeyHasher;
  readonly #now: () => number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.#max = opts.maxEntries ?? 10_000;
    this.#hash = opts.hashKey ?? createKeyHasher();
    this.#now = opts.now ?? Date.now;
  }

  /** The last group hashed: one request's steps (refusals, lock, entry) hash the same group in a row. */
  #last = { group: '', hash: '' };

  #hashGroup(group: string): string {
    if (this.#last.group !== group || !this.#last.hash) this.#last = { group, hash: this.#hash(group) };
    return this.#last.hash;
  }

  /** The group is hashed (it may be a credential); the name (region, project) stays in this process. */
  #key(key: StoreKey): string {
    return `${this.#hashGroup(groupOf(key))}\n${nameOf(key)}`;
  }

  async get(key: StoreKey): Promise<string | undefined> {
    return this.#read(this.#key(key));
  }

  async getMany(keys: readonly StoreKey[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    // One hash for a group shared by every key (the usual case: one credential's keys).
    const group = groupOf(keys[0] as StoreKey);
    const h = keys.every((k) => groupOf(k) === group) ? this.#hashGroup(group) : undefined;
    return keys.map((k) => this.#read(h === undefined ? this.#key(k) : `${h}\n${nameOf(k)}`));
  }

  #read(h: string): string | undefined {
    const entry = this.#values.get(h);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#values.delete(h);
      return undefined;
    }
    return entry.value;
  }

  async set(key: StoreKey, value: string, ttlMs: number): Promise<void> {
    const h = this.#key(key);
    this.#values.delete(h); // re-insert so Map order stays oldest-first
    bound(this.#values, this.#max);
    this.#values.set(h, { value, expiresAt: this.#now() + ttlMs });
  }

  async hit(key: StoreKey, limit: number, windowMs: number, cost = 1): Promise<HitResult> {
    const h = this.#key(key);
    const now = this.#now();
    const step = gcra(this.#limits.get(h), now, limit, windowMs, cost);
    if (step.allowed) {
      this.#limits.delete(h);
      bound(this.#limits, this.#max);
      this.#limits.set(h, step.tat);
    }
    return { allowed: step.allowed, retryAfterMs: step.retryAfterMs };
  }

  coalesce<T>(
    key: StoreKey,
    _lockTtlMs: number,
    fn: (peeked?: Peeked) => Promise<T>,
    _maxWaitMs?: number,
    peek?: Peek<T>,
  ): Promise<T> {
    // Look first, even before joining a call in flight: a refusal recorded since it began wins over it.
    let peeked: Peeked | undefined;
    if (peek) {
      try {
        peeked = peek.keys.map((k) => this.#read(this.#key(k)));
        const answer = peekAnswer(peek, peeked);
        if (answer !== undefined) return Promise.resolve(answer);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    // In one process the joined promise is the lock: it cannot outlive its leader.
    const h = this.#key(key);
    const joined = this.#inflight.get(h);
    if (joined) return joined as Promise<T>;
    const pending = (async () => fn(peeked))().finally(() => this.#inflight.delete(h));
    this.#inflight.set(h, pending);
    return pending;
  }

  /** Drops every value and limit state; calls being coalesced finish as they would. */
  forget(): void {
    this.#values.clear();
    this.#limits.clear();
  }

  async close(): Promise<void> {
    this.forget();
  }
}

/** Makes room for one more entry: expired ones are not tracked, so the oldest inserted goes. */
function bound(map: Map<string, unknown>, max: number): void {
  while (map.size >= max) map.delete(map.keys().next().value as string);
}
