// Shared state for the gateway: in process by default, Redis (with an in-process fallback) when
// REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is set.
export { createSharedStore, redisLiveness, type SharedStoreOptions } from './create.js';
export { FallbackStore, type StoreLogger } from './fallback-store.js';
export { MemoryStore } from './memory-store.js';
export { describeRedis, type RedisConnection, redisConnectionFromEnv } from './redis-config.js';
export { CoalescedCallError, RedisStore } from './redis-store.js';
export { createSealer, MIN_STORE_SECRET_LENGTH, type Sealer } from './seal.js';
export {
  createKeyHasher,
  gcra,
  type HitResult,
  type KeyHasher,
  type SharedStore,
  type StoreKey,
} from './store.js';
