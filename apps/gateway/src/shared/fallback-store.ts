// Redis when it answers, this process when it does not: no request fails because of Redis.
// Each transition is logged once; `redisUp` feeds dbss_gateway_redis_up.
// What this process kept while Redis was away never outlives the outage: when Redis is back, the writes
// every replica must see (refusals) are written to Redis, and the rest is dropped, so a later outage
// cannot bring back an answer that a refusal seen meanwhile, on any replica, has ended.
import { MemoryStore } from './memory-store.js';
import { describeRedis, redisConnectionFromEnv } from './redis-config.js';
import { RedisStore, type RedisStoreOptions } from './redis-store.js';
import type { HitResult, Peek, Peeked, SetOptions, SharedStore, StoreKey } from './store.js';

/** A write every replica must see, made while Redis was away. */
interface Pending {
  key: StoreKey;
  value: string;
  expiresAt: number;
}

/** Most such writes kept for Redis's return (the oldest go first). */
const MAX_PENDING = 10_000;

/** Where transitions are reported (a pino logger fits). */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface FallbackStoreOptions extends Omit<RedisStoreOptions, 'onStatus' | 'onError'> {
  logger?: StoreLogger;
  /**
   * After a failed command, the in-process store answers until a probe finds Redis able to serve every
   * key again (every slot's master in a cluster); a probe runs this often. @default 1000
   */
  coolDownMs?: number;
  /** The in-process store used while Redis is down. @default a new MemoryStore */
  memory?: MemoryStore;
}

export class FallbackStore implements SharedStore {
  readonly backend = 'redis' as const;
  readonly redisStore: RedisStore;
  readonly memory: MemoryStore;
  readonly #logger: StoreLogger | undefined;
  readonly #coolDownMs: number;
  readonly #where: { redis: string };
  /** False from a failed command until a probe succeeds (or the connection is made again). */
  #healthy = true;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;
  /** What was last logged: undefined before the first connection attempt settled. */
  #reported: boolean | undefined;
  /** Writes for every replica made while Redis was away, oldest first: written to Redis when it is back. */
  #pending: Pending[] = [];

  constructor(opts: FallbackStoreOptions) {
    this.#logger = opts.logger;
    this.#coolDownMs = opts.coolDownMs ?? 1000;
    this.memory = opts.memory ?? new MemoryStore();
    const connection = opts.connection ?? redisConnectionFromEnv({ REDIS_URL: opts.url });
    this.#where = { redis: connection ? describeRedis(connection) : 'redis' };
    this.redisStore = new RedisStore({
      ...opts,
      connection,
      onStatus: (up) => {
        // A new connection is a working one; a lost one is reported at once, and watched.
        if (up) this.#healthy = true;
        else this.#watch();
        this.#report();
      },
      onError: () => this.#failed(),
    });
  }

  /** True while shared state lives in Redis; false while this process stands in for it. */
  get redisUp(): boolean {
    return this.redisStore.up && this.#healthy;
  }

  /** Connects at start; resolves whether Redis is usable (the store works either way). */
  async connect(timeoutMs?: number): Promise<boolean> {
    const up = await this.redisStore.connect(timeoutMs);
    this.#report();
    if (!up) {
      this.#watch();
      // The start-up line names why before the gateway serves (see #report).
      await this.redisStore.diagnose();
    }
    return up;
  }

  #failed(): void {
    this.#healthy = false;
    this.#report();
    this.#watch();
  }

  /** Requests do not probe (each would wait for a dead node); one timer does, until Redis serves again. */
  #watch(): void {
    if (this.#closed) return;
    this.#probe ??= setInterval(() => {
      // Reconnecting: its 'ready' ends the outage. A client that stopped reconnecting is started again.
      if (!this.redisStore.up) return this.redisStore.revive();
      this.redisStore.ping().then(
        () => {
          this.#healthy = true;
          this.#report();
        },
        () => {},
      );
    }, this.#coolDownMs);
    this.#probe.unref();
  }

  #report(): void {
    if (this.#closed) return; // closing is not an outage
    const up = this.redisUp;
    if (up && this.#probe) {
      clearInterval(this.#probe);
      this.#probe = undefined;
    }
    if (this.#reported === up) return;
    const first = this.#reported === undefined;
    this.#reported = up;
    if (up && !first) this.#recover();
    if (up) this.#logger?.info(this.#where, first ? 'redis connected: shared state' : 'redis is back: shared state');
    else {
      // Why, by kind only: a wrong password (WRONGPASS) is not a network failure (ECONNREFUSED). When
      // the client could not say (a cluster's TLS failure), the line waits for one probe to find out.
      const log = (reason: string | undefined) =>
        this.#logger?.warn(
          reason ? { ...this.#where, reason } : this.#where,
          'redis unreachable: shared state falls back to this process',
        );
      const finding = this.redisStore.diagnose();
      if (finding) finding.then(log, () => log(undefined));
      else log(this.redisStore.lastFailure);
    }
  }

  /**
   * Redis is back: what this process kept meanwhile is dropped (Redis holds the fleet's state, refusals
   * included, that this process missed), and its writes for every replica go to Redis, unless a value is
   * there already. Those that cannot be written now wait for the next return.
   */
  #recover(): void {
    this.memory.forget();
    const pending = this.#pending;
    this.#pending = [];
    if (pending.length === 0) return;
    void (async () => {
      for (const [i, p] of pending.entries()) {
        const leftMs = p.expiresAt - Date.now();
        if (leftMs <= 0) continue;
        try {
          await this.redisStore.setIfAbsent(p.key, p.value, leftMs);
        } catch {
          this.#pending.unshift(...pending.slice(i));
          this.#failed();
          return;
        }
      }
    })();
  }

  /** Runs `op` on Redis when it is up, else (or when it fails) on the in-process store. */
  async #use<R>(op: (s: SharedStore) => Promise<R>): Promise<R> {
    if (!this.redisUp) {
      if (this.#reported !== false) this.#report();
      return op(this.memory);
    }
    try {
      const r = await op(this.redisStore);
      if (this.#reported !== true) this.#report();
      return r;
    } catch {
      this.#failed();
      return op(this.memory);
    }
  }

  get(key: StoreKey): Promise<string | undefined> {
    return this.#use((s) => s.get(key));
  }

  getMany(keys: readonly StoreKey[]): Promise<(string | undefined)[]> {
    return this.#use((s) => s.getMany(keys));
  }

  set(key: StoreKey, value: string, ttlMs: number, opts?: SetOptions): Promise<void> {
    return this.#use((s) => {
      if (s === this.memory && opts?.everyReplica) {
        if (this.#pending.length >= MAX_PENDING) this.#pending.shift();
        this.#pending.push({ key, value, expiresAt: Date.now() + ttlMs });
      }
      return s.set(key, value, ttlMs);
    });
  }

  hit(key: StoreKey, limit: number, windowMs: number, cost?: number): Promise<HitResult> {
    return this.#use((s) => s.hit(key, limit, windowMs, cost));
  }

  coalesce<T>(
    key: StoreKey,
    lockTtlMs: number,
    fn: (peeked?: Peeked) => Promise<T>,
    maxWaitMs?: number,
    peek?: Peek<T>,
  ): Promise<T> {
    // The Redis store never fails a coalesced call because of Redis (it runs `fn` itself then),
    // and an error from `fn` must reach the caller, not trigger a second call: no #use here.
    return this.redisUp
      ? this.redisStore.coalesce(key, lockTtlMs, fn, maxWaitMs, peek)
      : this.memory.coalesce(key, lockTtlMs, fn, maxWaitMs, peek);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#probe);
    await this.redisStore.close();
    await this.memory.close();
  }
}
