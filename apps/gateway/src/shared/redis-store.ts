// The Redis SharedStore: state every replica sees. Commands fail fast (short timeout, no offline
// queue) so a dead Redis costs milliseconds; FallbackStore turns those failures into in-process state.
import { randomBytes, randomUUID } from 'node:crypto';
import { HIT, LOCK_EXTEND, LOCK_RELEASE, LOCK_STEP } from './lua.js';
import { type RedisConnection, redisConnectionFromEnv } from './redis-config.js';
import { createRedisClient, pingOwners, type RedisClient } from './redis-connect.js';
import { createKeyHasher, type HitResult, type KeyHasher, type SharedStore, sleep } from './store.js';

export interface RedisStoreOptions {
  /** Which Redis: one server, a Cluster or Sentinel (see redis-config.ts). Never logged: it may hold a password. */
  connection?: RedisConnection;
  /** Shorthand for one server: `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  url?: string;
  /** Prefix of every key, so several deployments can share one Redis. @default 'dbss-obs:' */
  keyPrefix?: string;
  /**
   * Secret salt for key hashes; every replica must use the same one. @default a random salt kept in
   * Redis (`{keyPrefix}salt`), created by the first replica to connect
   */
  salt?: string;
  /** Longest a command may take before it counts as a failure. @default 250 */
  commandTimeoutMs?: number;
  /** @default 1000 */
  connectTimeoutMs?: number;
  /**
   * How often a waiter looks for the coalesced result when it cannot listen for it; while
   * subscribed (woken by the holder's PUBLISH) it looks every 5 × pollMs in case a message is lost.
   * @default 10
   */
  pollMs?: number;
  /** Told when the store becomes usable (connected, salt loaded) or stops being usable. */
  onStatus?: (up: boolean) => void;
  /** Told about a Redis failure the store recovered from by itself (coalescing ran locally). */
  onError?: (err: unknown) => void;
}

type ScriptedRedis = RedisClient & {
  dbssHit(key: string, limit: number, windowMs: number): Promise<[number, number]>;
  dbssLockStep(lock: string, result: string, id: string, ttlMs: number, waitFor: string): Promise<[number, string]>;
  dbssLockExtend(lock: string, id: string, ttlMs: number): Promise<number>;
  dbssLockRelease(lock: string, result: string, id: string, payload: string, ttlMs: number): Promise<number>;
};

/** Thrown to waiters when the replica that made a coalesced call saw it throw (not an error value). */
export class CoalescedCallError extends Error {
  readonly code = 'COALESCED_CALL_FAILED';
  constructor() {
    super('The coalesced call failed on the replica that made it.');
    this.name = 'CoalescedCallError';
  }
}

export class RedisStore implements SharedStore {
  readonly backend = 'redis' as const;
  readonly redis: ScriptedRedis;
  readonly #prefix: string;
  readonly #salt: string | undefined;
  readonly #pollMs: number;
  readonly #opts: RedisStoreOptions;
  readonly #inflight = new Map<string, Promise<unknown>>();
  /** A second connection, in subscriber mode: holders publish on the lock key when they finish. */
  readonly #sub: RedisClient;
  /** This replica's waiter per lock key (callers here join one promise, so there is one at most). */
  readonly #wakers = new Map<string, () => void>();
  #hash: KeyHasher | undefined;
  #currentSalt: string | undefined;
  #up = false;
  #closed = false;

  constructor(opts: RedisStoreOptions) {
    this.#opts = opts;
    this.#prefix = opts.keyPrefix ?? 'dbss-obs:';
    this.#salt = opts.salt;
    this.#pollMs = opts.pollMs ?? 10;
    const connection = opts.connection ?? redisConnectionFromEnv({ REDIS_URL: opts.url });
    if (!connection) throw new Error('RedisStore needs a connection or a url.');
    const client = (autoPipelining: boolean) =>
      createRedisClient(connection, {
        commandTimeoutMs: opts.commandTimeoutMs ?? 250,
        connectTimeoutMs: opts.connectTimeoutMs ?? 1000,
        autoPipelining,
      });
    // Commands issued in the same tick go out as one pipeline: fewer writes under concurrency.
    this.redis = client(true) as ScriptedRedis;
    this.redis.defineCommand('dbssHit', { numberOfKeys: 1, lua: HIT });
    this.redis.defineCommand('dbssLockStep', { numberOfKeys: 2, lua: LOCK_STEP });
    this.redis.defineCommand('dbssLockExtend', { numberOfKeys: 1, lua: LOCK_EXTEND });
    this.redis.defineCommand('dbssLockRelease', { numberOfKeys: 2, lua: LOCK_RELEASE });
    this.redis.on('ready', () => void this.#onReady());
    this.redis.on('close', () => this.#setUp(false));
    // Without a listener ioredis prints every connection error; FallbackStore reports transitions.
    this.redis.on('error', () => {});
    // Wake-ups are classic PUBLISH/SUBSCRIBE: in a cluster a PUBLISH reaches every node, so this
    // connection may sit on any of them (docs/fleet.md says why not sharded pub/sub).
    this.#sub = client(false);
    this.#sub.on('error', () => {});
    this.#sub.on('message', (channel: string) => this.#wakers.get(channel)?.());
  }

  /** Resolves when Redis can serve every key (see pingOwners). */
  ping(): Promise<void> {
    return pingOwners(this.redis);
  }

  /** Connected and ready for commands. */
  get up(): boolean {
    return this.#up;
  }

  /**
   * Connects (and keeps reconnecting in the background). Resolves true once usable, false as soon
   * as the first attempt fails or `timeoutMs` passes; it never rejects.
   */
  async connect(timeoutMs = 2000): Promise<boolean> {
    if (this.#up) return true;
    if (this.redis.status === 'wait') this.redis.connect().catch(() => {});
    if (this.#sub.status === 'wait') this.#sub.connect().catch(() => {});
    const started = Date.now();
    while (!this.#up && !this.#closed && Date.now() - started < timeoutMs) {
      // 'reconnecting': the first attempt failed (refused, say): no point waiting for the timeout.
      if (this.redis.status === 'reconnecting' || this.redis.status === 'end') break;
      await sleep(10);
    }
    return this.#up;
  }

  async #onReady(): Promise<void> {
    try {
      if (!this.#salt) {
        // On every (re)connect: a Redis restarted empty gets our salt back, and a replica that
        // started meanwhile adopts the one already there, so all replicas hash alike.
        const key = `${this.#prefix}salt`;
        await this.redis.set(key, this.#currentSalt ?? randomBytes(32).toString('base64url'), 'NX');
        const salt = await this.redis.get(key);
        if (!salt) return;
        if (salt !== this.#currentSalt) {
          this.#currentSalt = salt;
          this.#hash = createKeyHasher(salt);
        }
      } else if (!this.#hash) {
        this.#hash = createKeyHasher(this.#salt);
      }
      this.#setUp(true);
    } catch {
      // The next 'ready' (after a reconnect) tries again.
    }
  }

  #setUp(up: boolean): void {
    if (this.#up === up) return;
    this.#up = up;
    this.#opts.onStatus?.(up);
  }

  #key(kind: string, key: string): string {
    if (!this.#hash) throw new Error('Redis store is not connected yet.');
    // The hash is a Redis Cluster hash tag: a lock and its result keys (`{lock}:{id}`) share a slot, so
    // the Lua scripts that take both never fail with CROSSSLOT.
    return `${this.#prefix}${kind}:{${this.#hash(key)}}`;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.#key('v', key))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.#key('v', key), value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async hit(key: string, limit: number, windowMs: number): Promise<HitResult> {
    const [allowed, retryAfterMs] = await this.redis.dbssHit(this.#key('r', key), limit, Math.ceil(windowMs));
    return { allowed: allowed === 1, retryAfterMs: Math.max(0, Math.ceil(Number(retryAfterMs))) };
  }

  coalesce<T>(key: string, lockTtlMs: number, fn: () => Promise<T>): Promise<T> {
    let lock: string;
    try {
      lock = this.#key('l', key);
    } catch (err) {
      this.#opts.onError?.(err);
      return fn();
    }
    // Callers on this replica join one promise first, so only one of them talks to Redis.
    const joined = this.#inflight.get(lock);
    if (joined) return joined as Promise<T>;
    const pending = this.#shared(lock, lockTtlMs, fn).finally(() => this.#inflight.delete(lock));
    this.#inflight.set(lock, pending);
    return pending;
  }

  async #shared<T>(lock: string, lockTtlMs: number, fn: () => Promise<T>): Promise<T> {
    const ttl = Math.max(100, Math.ceil(lockTtlMs));
    const resultKey = (id: string) => `${lock}:${id || '-'}`;
    const me = randomUUID();
    let waitFor = '';
    let listening: boolean | undefined;
    try {
      for (;;) {
        let state: number;
        let value: string;
        try {
          [state, value] = await this.redis.dbssLockStep(lock, resultKey(waitFor), me, ttl, waitFor);
        } catch (err) {
          // Redis went away while we waited: make the call here rather than fail the request.
          this.#opts.onError?.(err);
          return fn();
        }
        if (state === 1) return this.#lead(lock, resultKey(me), me, ttl, fn);
        if (state === 2) {
          if (value.startsWith('E')) throw new CoalescedCallError();
          return JSON.parse(value.slice(1)) as T;
        }
        // Another caller holds the lock; if it changed hands, wait for the new holder's result.
        waitFor = value;
        if (listening === undefined) {
          // Subscribe, then look once more at once: a result published before we listened is not missed.
          listening = await this.#sub.subscribe(lock).then(
            () => true,
            () => false,
          );
          continue;
        }
        await this.#wait(lock, listening ? this.#pollMs * 5 : this.#pollMs);
      }
    } finally {
      if (listening) this.#sub.unsubscribe(lock).catch(() => {});
    }
  }

  /** Sleeps until the holder of `lock` publishes that it finished, or `ms` passes. */
  #wait(lock: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(lock);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.set(lock, wake);
    });
  }

  async #lead<T>(lock: string, resultKey: string, me: string, ttl: number, fn: () => Promise<T>): Promise<T> {
    // Renew the lock while the call runs: it expires only if this process stops.
    const renew = setInterval(
      () => void this.redis.dbssLockExtend(lock, me, ttl).catch(() => {}),
      Math.max(30, Math.floor(ttl / 3)),
    );
    let payload = 'E';
    try {
      const value = await fn();
      payload = `V${JSON.stringify(value) ?? 'null'}`;
      return value;
    } finally {
      clearInterval(renew);
      // Waiters poll for the result; the caller here does not wait for Redis to take it.
      this.redis.dbssLockRelease(lock, resultKey, me, payload, Math.max(ttl, 1000)).catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.redis.disconnect();
    this.#sub.disconnect();
    this.#setUp(false);
  }
}
