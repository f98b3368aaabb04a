// The store the gateway runs with. Redis support (ioredis and the fallback around it) is loaded only
// when a Redis is configured: a gateway without Redis does not carry it (about 20 MB of resident memory).
import type { FallbackStore, StoreLogger } from './fallback-store.js';
import { MemoryStore } from './memory-store.js';
import type { RedisConnection } from './redis-config.js';
import type { SharedStore } from './store.js';

export interface SharedStoreOptions {
  /** Redis to share state through (one server, a Cluster or Sentinel); unset keeps state in this process. */
  redis?: RedisConnection;
  /** GATEWAY_STORE_SECRET: required with Redis (keys are HMACs and values are tagged under it). */
  secret?: string;
  /** Told about every value read back from Redis that did not verify (dbss_gateway_store_rejected_total). */
  onRejected?: () => void;
  /** A command slower than this counts as Redis being down. @default 250 */
  commandTimeoutMs?: number;
  logger?: StoreLogger;
}

/**
 * A MemoryStore, or a FallbackStore over Redis that has made its first connection attempt (it waits
 * at most 2 s: a Redis that is down delays nothing more).
 */
export async function createSharedStore(opts: SharedStoreOptions = {}): Promise<SharedStore> {
  if (!opts.redis) return new MemoryStore();
  const { FallbackStore } = await import('./fallback-store.js');
  const store = new FallbackStore({
    connection: opts.redis,
    secret: opts.secret ?? '',
    onRejected: opts.onRejected,
    commandTimeoutMs: opts.commandTimeoutMs,
    logger: opts.logger,
  });
  await store.connect();
  return store;
}

/** The Redis-backed store's liveness, for dbss_gateway_redis_up; undefined for an in-process store. */
export function redisLiveness(store: SharedStore): (() => boolean) | undefined {
  if (store.backend !== 'redis' || !('redisUp' in store)) return undefined;
  const fallback = store as FallbackStore;
  return () => fallback.redisUp;
}
