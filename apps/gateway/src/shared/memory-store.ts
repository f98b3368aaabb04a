// The in-process SharedStore: the default without REDIS_URL, and every replica's fallback while
// Redis is unreachable. Same semantics as the Redis store, for one process.
import { createKeyHasher, type HitResult, type KeyHasher, type SharedStore } from './store.js';

export interface MemoryStoreOptions {
  /** Most entries (values and rate-limit windows each) kept; the oldest go first. @default 10000 */
  maxEntries?: number;
  /** Hashes keys before they are kept. @default a salted SHA-256 with a random per-process salt */
  hashKey?: KeyHasher;
  /** The clock. @default Date.now */
  now?: () => number;
}

export class MemoryStore implements SharedStore {
  readonly backend = 'memory' as const;
  readonly #values = new Map<string, { value: string; expiresAt: number }>();
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #max: number;
  readonly #hash: KeyHasher;
  readonly #now: () => number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.#max = opts.maxEntries ?? 10_000;
    this.#hash = opts.hashKey ?? createKeyHasher();
    this.#now = opts.now ?? Date.now;
  }

  async get(key: string): Promise<string | undefined> {
    const h = this.#hash(key);
    const entry = this.#values.get(h);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#values.delete(h);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const h = this.#hash(key);
    this.#values.delete(h); // re-insert so Map order stays oldest-first
    bound(this.#values, this.#max);
    this.#values.set(h, { value, expiresAt: this.#now() + ttlMs });
  }

  async hit(key: string, limit: number, windowMs: number): Promise<HitResult> {
    const h = this.#hash(key);
    const now = this.#now();
    let w = this.#windows.get(h);
    if (!w || w.resetAt <= now) {
      this.#windows.delete(h);
      bound(this.#windows, this.#max);
      w = { count: 0, resetAt: now + windowMs };
      this.#windows.set(h, w);
    }
    w.count++;
    return w.count <= limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: w.resetAt - now };
  }

  coalesce<T>(key: string, _lockTtlMs: number, fn: () => Promise<T>): Promise<T> {
    // In one process the joined promise is the lock: it cannot outlive its leader.
    const h = this.#hash(key);
    const joined = this.#inflight.get(h);
    if (joined) return joined as Promise<T>;
    const pending = (async () => fn())().finally(() => this.#inflight.delete(h));
    this.#inflight.set(h, pending);
    return pending;
  }

  async close(): Promise<void> {
    this.#values.clear();
    this.#windows.clear();
  }
}

/** Makes room for one more entry: expired ones are not tracked, so the oldest inserted goes. */
function bound(map: Map<string, unknown>, max: number): void {
  while (map.size >= max) map.delete(map.keys().next().value as string);
}
