// Shared state for the gateway: in process by default, Redis (with an in-process fallback) when
// REDIS_URL is set.
import { FallbackStore, type StoreLogger } from './fallback-store.js';
import { MemoryStore } from './memory-store.js';
import type { SharedStore } from './store.js';

export { FallbackStore, redisAddress, type StoreLogger } from './fallback-store.js';
export { MemoryStore } from './memory-store.js';
export { CoalescedCallError, RedisStore } from './redis-store.js';
export { createKeyHasher, type HitResult, type KeyHasher, type SharedStore } from './store.js';

export interface SharedStoreOptions {
  /** Redis to share state through; unset keeps state in this process. */
  redisUrl?: string;
  /** Secret salt for key hashes (every replica the same). @default a random salt kept in Redis */
  salt?: string;
  /** A command slower than this counts as Redis being down. @default 250 */
  commandTimeoutMs?: number;
  logger?: StoreLogger;
}

/** The store the gateway runs with: a MemoryStore, or a FallbackStore over Redis. */
export function createSharedStore(opts: SharedStoreOptions = {}): SharedStore {
  if (!opts.redisUrl) return new MemoryStore();
  return new FallbackStore({
    url: opts.redisUrl,
    salt: opts.salt,
    commandTimeoutMs: opts.commandTimeoutMs,
    logger: opts.logger,
  });
}
