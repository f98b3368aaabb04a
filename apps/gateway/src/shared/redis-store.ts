// The Redis SharedStore: state every replica sees. Commands fail fast (short timeout, no offline
// queue) so a dead Redis costs milliseconds; FallbackStore turns those failures into in-process state.
import { randomUUID } from 'node:crypto';
import { GCRA_HIT, LOCK_EXTEND, LOCK_HAND_OVER, LOCK_RELEASE, LOCK_STEP } from './lua.js';
import { type RedisConnection, redisConnectionFromEnv } from './redis-config.js';
import { createRedisClient, pingOwners, probeClusterNode, type RedisClient } from './redis-connect.js';
import { createSealer, type Sealer } from './seal.js';
import {
  groupOf,
  type HitResult,
  type Peek,
  type Peeked,
  peekAnswer,
  type SharedStore,
  type StoreKey,
  sleep,
} from './store.js';

export interface RedisStoreOptions {
  /** Which Redis: one server, a Cluster or Sentinel (see redis-config.ts). Never logged: it may hold a password. */
  connection?: RedisConnection;
  /** Shorthand for one server: `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  url?: string;
  /** Prefix of every key, so several deployments can share one Redis. @default 'dbss-obs:' */
  keyPrefix?: string;
  /**
   * GATEWAY_STORE_SECRET: keys are HMACs under it and values carry an HMAC tag under it; every replica
   * must use the same one. It never reaches Redis.
   */
  secret: string;
  /** The clock for value times and limits. @default Date.now for values, Redis's TIME for limits */
  now?: () => number;
  /** Told about every value read back that did not verify (tag, shape, time): it was a miss. */
  onRejected?: () => void;
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
  /** Told when the store becomes usable (connected) or stops being usable. */
  onStatus?: (up: boolean) => void;
  /** Told about a Redis failure the store recovered from by itself (coalescing ran locally). */
  onError?: (err: unknown) => void;
}

type ScriptedRedis = RedisClient & {
  dbssHit(key: string, limit: number, windowMs: number, cost: number, now: string): Promise<[number, number, number]>;
  dbssLockExtend(lock: string, id: string, ttlMs: number): Promise<number>;
  dbssLockRelease(lock: string, waiting: string, id: string): Promise<unknown>;
  dbssLockHandOver(
    lock: string,
    result: string,
    waiting: string,
    id: string,
    payload: string,
    ttlMs: number,
  ): Promise<number>;
};

/** The most peek keys one coalesced call reads with its lock (the cache reads 3). */
const MAX_PEEK_KEYS = 4;

/** LOCK_STEP with its keys (lock, result, waiting mark, the peek keys), then its arguments. */
type LockStep = (...keysThenArgs: (string | number)[]) => Promise<unknown>;

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
  readonly #seal: Sealer;
  readonly #now: () => number;
  /** Limits on Redis's clock unless a clock was given (tests). */
  readonly #limitClock: (() => number) | undefined;
  readonly #pollMs: number;
  readonly #opts: RedisStoreOptions;
  readonly #inflight = new Map<string, Promise<unknown>>();
  /** A second connection, in subscriber mode: holders publish on the lock key when they finish. */
  readonly #sub: RedisClient;
  /** This replica's waiter per lock key (callers here join one promise, so there is one at most). */
  readonly #wakers = new Map<string, () => void>();
  /** The last value verified per key: a hot entry read again costs no second HMAC. */
  readonly #verified = new Map<string, { stored: string; value: string; expiresAt: number }>();
  #up = false;
  #lastFailure: string | undefined;
  #diagnosis: Promise<string | undefined> | undefined;
  readonly #connection: RedisConnection;
  #closed = false;

  constructor(opts: RedisStoreOptions) {
    this.#opts = opts;
    if (!opts.secret) throw new Error('The Redis store needs a secret (GATEWAY_STORE_SECRET).');
    this.#seal = createSealer(opts.secret, opts.keyPrefix ?? 'dbss-obs:');
    this.#now = opts.now ?? Date.now;
    this.#limitClock = opts.now;
    this.#pollMs = opts.pollMs ?? 10;
    const connection = opts.connection ?? redisConnectionFromEnv({ REDIS_URL: opts.url });
    if (!connection) throw new Error('RedisStore needs a connection or a url.');
    this.#connection = connection;
    const client = (autoPipelining: boolean) =>
      createRedisClient(connection, {
        commandTimeoutMs: opts.commandTimeoutMs ?? 250,
        connectTimeoutMs: opts.connectTimeoutMs ?? 1000,
        autoPipelining,
      });
    // Commands issued in the same tick go out as one pipeline: fewer writes under concurrency.
    this.redis = client(true) as ScriptedRedis;
    this.redis.defineCommand('dbssHit', { numberOfKeys: 1, lua: GCRA_HIT });
    for (let n = 0; n <= MAX_PEEK_KEYS; n++)
      this.redis.defineCommand(`dbssLockStep${n}`, { numberOfKeys: 3 + n, lua: LOCK_STEP });
    this.redis.defineCommand('dbssLockExtend', { numberOfKeys: 1, lua: LOCK_EXTEND });
    this.redis.defineCommand('dbssLockRelease', { numberOfKeys: 2, lua: LOCK_RELEASE });
    this.redis.defineCommand('dbssLockHandOver', { numberOfKeys: 3, lua: LOCK_HAND_OVER });
    const db = connection.topology === 'cluster' ? 0 : connection.db;
    this.redis.on('ready', () => {
      if (!db) return this.#setUp(true);
      // ioredis sends SELECT before 'ready', but when the server refuses it (an index out of range, an
      // ACL user without SELECT) it only emits an error and goes on in database 0: the state would sit
      // where nobody configured it. So the database is selected again, and Redis used only once it took.
      this.redis.select(db).then(
        () => this.#setUp(true),
        () => {
          this.#lastFailure = 'ERR_SELECT_DB';
          this.#setUp(false);
        },
      );
    });
    this.redis.on('close', () => this.#setUp(false));
    // Without a listener ioredis prints every connection error; FallbackStore reports transitions,
    // naming the last one's kind (lastFailure).
    this.redis.on('error', (err: unknown) => {
      this.#lastFailure = failureKind(err) ?? this.#lastFailure;
    });
    // Wake-ups are classic PUBLISH/SUBSCRIBE: in a cluster a PUBLISH reaches every node, so this
    // connection may sit on any of them (docs/fleet.md says why not sharded pub/sub).
    this.#sub = client(false);
    this.#sub.on('error', () => {});
    this.#sub.on('message', (channel: string) => this.#wakers.get(channel)?.());
  }

  /**
   * Connects again when the client has stopped trying (status 'end'; ioredis reconnects on its own
   * otherwise). The fallback's probe calls it while Redis is away, so no outage lasts for good.
   */
  revive(): void {
    if (this.#closed || this.redis.status !== 'end') return;
    this.redis.connect().catch(() => {});
  }

  /** Resolves when Redis can serve every key (see pingOwners). */
  ping(): Promise<void> {
    return pingOwners(this.redis);
  }

  /**
   * What the last connection error was, by kind only (ECONNREFUSED, WRONGPASS, NOAUTH, a TLS code…):
   * never its message, which may quote a command.
   */
  get lastFailure(): string | undefined {
    return this.#lastFailure;
  }

  /**
   * Finds out lastFailure when the client could not say: a cluster whose slot map cannot be loaded
   * over TLS reports only a closed connection, so one plain connection to a node is tried for the
   * kind (SELF_SIGNED_CERT_IN_CHAIN…). Undefined when there is nothing to find out (a kind already
   * known, another topology); concurrent callers share one attempt.
   */
  diagnose(): Promise<string | undefined> | undefined {
    const connection = this.#connection;
    if (this.#lastFailure !== undefined || connection.topology !== 'cluster' || this.#closed) return undefined;
    this.#diagnosis ??= probeClusterNode(connection, this.#opts.connectTimeoutMs ?? 1000).then((err) => {
      this.#diagnosis = undefined;
      this.#lastFailure ??= failureKind(err);
      return this.#lastFailure;
    });
    return this.#diagnosis;
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

  /**
   * LOCK_STEP with `peekKeys` peek keys: a command of 3 + peekKeys keys. A fixed key count per command,
   * not a count passed with each call, because ioredis' cluster auto-pipelining puts a command in the
   * pipeline of its first argument's node, which must then be its first key. All are defined in the
   * constructor: a pipeline copies the defined commands when it is made, and one made before a later
   * definition would lack it (ioredis then loses that pipeline's replies).
   */
  #lockStep(peekKeys: number): LockStep {
    const redis = this.redis as unknown as Record<string, LockStep>;
    const name = `dbssLockStep${peekKeys}`;
    return (...keysThenArgs) => (redis[name] as LockStep).apply(redis, keysThenArgs);
  }

  #setUp(up: boolean): void {
    if (this.#up === up) return;
    this.#up = up;
    this.#opts.onStatus?.(up);
  }

  #open(redisKey: string, stored: string | null): string | undefined {
    if (stored === null) return undefined;
    const memo = this.#verified.get(redisKey);
    // The same bytes as last time verified then; the expiry (part of them) is still checked.
    if (memo && memo.stored === stored && memo.expiresAt > this.#now()) return memo.value;
    const opened = this.#seal.open(redisKey, stored, this.#now());
    if (!opened.ok) {
      if (opened.rejected) this.#opts.onRejected?.();
      return undefined;
    }
    if (this.#verified.size >= 1000) this.#verified.delete(this.#verified.keys().next().value as string);
    this.#verified.set(redisKey, { stored, value: opened.value, expiresAt: opened.expiresAt });
    return opened.value;
  }

  async get(key: StoreKey): Promise<string | undefined> {
    const k = this.#seal.key('v', key);
    return this.#open(k, await this.redis.get(k));
  }

  async getMany(keys: readonly StoreKey[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const redisKeys = keys.map((k) => this.#seal.key('v', k));
    // One MGET when the keys share a group (one slot: fine on a cluster too), else one GET each.
    const group = groupOf(keys[0] as StoreKey);
    const stored = keys.every((k) => groupOf(k) === group)
      ? await this.redis.mget(...redisKeys)
      : await Promise.all(redisKeys.map((k) => this.redis.get(k)));
    return redisKeys.map((k, i) => this.#open(k, stored[i] ?? null));
  }

  async set(key: StoreKey, value: string, ttlMs: number): Promise<void> {
    const k = this.#seal.key('v', key);
    const ttl = Math.max(1, Math.ceil(ttlMs));
    await this.redis.set(k, this.#seal.seal(k, value, this.#now(), ttl), 'PX', ttl);
  }

  /** Stores `value` unless `key` holds a value already (SET NX); resolves whether it was stored. */
  async setIfAbsent(key: StoreKey, value: string, ttlMs: number): Promise<boolean> {
    const k = this.#seal.key('v', key);
    const ttl = Math.max(1, Math.ceil(ttlMs));
    return (await this.redis.set(k, this.#seal.seal(k, value, this.#now(), ttl), 'PX', ttl, 'NX')) === 'OK';
  }

  async hit(key: StoreKey, limit: number, windowMs: number, cost = 1): Promise<HitResult> {
    const now = this.#limitClock ? String(this.#limitClock()) : '';
    const reply: unknown = await this.redis.dbssHit(this.#seal.key('r', key), limit, windowMs, cost, now);
    // Not the script's reply (a hostile or broken server): a failed command, so this process decides.
    // (No GCRA wait is longer than a window.)
    if (
      !isReply(reply, 'number', 'number', 'number') ||
      (reply[0] !== 0 && reply[0] !== 1) ||
      reply[1] < 0 ||
      reply[1] > windowMs
    )
      throw new RedisReplyError('the rate-limit script');
    const [allowed, retryAfterMs, rejected] = reply;
    if (rejected === 1) this.#opts.onRejected?.();
    if (allowed === 1) return { allowed: true, retryAfterMs: 0 };
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) };
  }

  coalesce<T>(
    key: StoreKey,
    lockTtlMs: number,
    fn: (peeked?: Peeked) => Promise<T>,
    maxWaitMs = 60_000,
    peek?: Peek<T>,
  ): Promise<T> {
    // A programming error, refused before Redis is asked (a script with no such key count would read as
    // Redis failing).
    if (peek && (peek.keys.length > MAX_PEEK_KEYS || peek.keys.some((k) => groupOf(k) !== groupOf(key))))
      return Promise.reject(
        new TypeError(`Peek keys must share the coalesced key's group (one hash slot), ${MAX_PEEK_KEYS} at most.`),
      );
    const lock = this.#seal.key('l', key);
    // Callers on this replica join one promise, so only one of them takes part in the lock steps. One
    // that joins still looks first (one read): a refusal recorded since that call began wins over it.
    const joined = this.#inflight.get(lock) as Promise<T> | undefined;
    if (joined && !peek) return joined;
    if (joined && peek)
      return this.getMany(peek.keys).then(
        (values) => peekAnswer(peek, values) ?? joined,
        () => joined,
      );
    const pending = this.#shared(lock, lockTtlMs, fn, maxWaitMs, peek).finally(() => this.#inflight.delete(lock));
    this.#inflight.set(lock, pending);
    return pending;
  }

  async #shared<T>(
    lock: string,
    lockTtlMs: number,
    fn: (peeked?: Peeked) => Promise<T>,
    maxWaitMs: number,
    peek: Peek<T> | undefined,
  ): Promise<T> {
    const ttl = Math.max(100, Math.ceil(lockTtlMs));
    // Past this, the holder is not trusted to finish (a lock renewed forever, a hostile Redis): call here.
    const deadline = Date.now() + maxWaitMs;
    const resultKey = (id: string) => `${lock}:${id || '-'}`;
    const peekKeys = peek?.keys.map((k) => this.#seal.key('v', k)) ?? [];
    const opened = (raw: readonly (string | null)[]): Peeked => peekKeys.map((k, i) => this.#open(k, raw[i] ?? null));
    const me = randomUUID();
    let waitFor = '';
    // The first step looks at the peek keys before it locks; after `use` found no answer there, none does.
    let peekFirst = peekKeys.length > 0;
    const step = this.#lockStep(peekKeys.length);
    let listening: boolean | undefined;
    try {
      for (;;) {
        let reply: LockReply;
        try {
          reply = lockReply(
            await step(lock, resultKey(waitFor), waitingKey(lock), ...peekKeys, me, ttl, waitFor, peekFirst ? '1' : ''),
            peekKeys.length,
          );
        } catch (err) {
          // Redis went away while we waited: make the call here rather than fail the request.
          this.#opts.onError?.(err);
          return fn();
        }
        if (reply.state === 3) {
          peekFirst = false;
          // What survives verification answers, as anywhere a peek is read (peekAnswer).
          const answer = peek && peekAnswer(peek, opened(reply.values));
          if (answer !== undefined) return answer;
          continue;
        }
        if (reply.state === 1) {
          const peeked = peekKeys.length > 0 ? opened(reply.values) : undefined;
          return this.#lead(lock, resultKey(me), me, ttl, () => fn(peeked));
        }
        if (reply.state === 2) {
          const payload = this.#open(resultKey(waitFor), reply.value);
          // A result that does not verify was not written by a replica: make the call here instead.
          if (payload === undefined) return fn();
          if (payload.startsWith('E')) throw new CoalescedCallError();
          return JSON.parse(payload.slice(1)) as T;
        }
        // Another caller holds the lock; if it changed hands, wait for the new holder's result.
        peekFirst = false;
        if (Date.now() >= deadline) return fn();
        waitFor = reply.value;
        if (listening === undefined) {
          // Subscribe, then look once more at once: a result published before we listened is not missed.
          listening = await this.#sub.subscribe(lock).then(
            () => true,
            () => false,
          );
          continue;
        }
        await this.#wait(
          lock,
          Math.min(listening ? this.#pollMs * 5 : this.#pollMs, Math.max(1, deadline - Date.now())),
        );
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
      // Now, as the callers get it (before any of them can change it), for waiters on other replicas.
      payload = `V${JSON.stringify(value) ?? 'null'}`;
      return value;
    } finally {
      clearInterval(renew);
      // The caller here does not wait for Redis. Nobody waiting (the usual case): the release ends it,
      // and the result never goes to Redis. Else it is sealed and handed over.
      const waiting = waitingKey(lock);
      this.redis
        .dbssLockRelease(lock, waiting, me)
        .then((released) => {
          if (released === 0) return;
          const keepMs = Math.max(ttl, 1000);
          const sealed = this.#seal.seal(resultKey, payload, this.#now(), keepMs);
          return this.redis.dbssLockHandOver(lock, resultKey, waiting, me, sealed, keepMs);
        })
        .catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.redis.disconnect();
    this.#sub.disconnect();
    this.#setUp(false);
  }
}

/** A reply no script of ours gives: the server is not the Redis it should be. */
export class RedisReplyError extends Error {
  constructor(what: string) {
    super(`Redis answered ${what} with a reply it cannot give.`);
    this.name = 'RedisReplyError';
  }
}

type Kinds = { number: number; string: string };

/** Whether `reply` is an array of exactly these kinds (finite numbers, strings). */
function isReply<K extends (keyof Kinds)[]>(reply: unknown, ...kinds: K): reply is { [I in keyof K]: Kinds[K[I]] } {
  return (
    Array.isArray(reply) &&
    reply.length === kinds.length &&
    kinds.every((k, i) => (k === 'number' ? Number.isFinite(reply[i]) : typeof reply[i] === 'string'))
  );
}

/** A LOCK_STEP reply, checked: 0 held by `value`, 1 mine, 2 the result `value`, 3 peek keys hold values. */
type LockReply = { state: 0 | 2; value: string } | { state: 1 | 3; value: string; values: readonly (string | null)[] };

/**
 * Checks a LOCK_STEP reply (a hostile or broken server may send anything): its state, a string, and for
 * states 1 and 3 one value or nil per peek key (none for 1 without peek keys).
 */
function lockReply(reply: unknown, peekKeys: number): LockReply {
  if (Array.isArray(reply) && typeof reply[1] === 'string') {
    const [state, value, ...values] = reply as [unknown, string, ...unknown[]];
    const peeked = values.every((v) => v === null || typeof v === 'string');
    if ((state === 0 || state === 2) && values.length === 0) return { state, value };
    if (state === 1 && peeked && values.length === peekKeys)
      return { state, value, values: values as (string | null)[] };
    if (state === 3 && peeked && peekKeys > 0 && values.length === peekKeys)
      return { state, value, values: values as (string | null)[] };
  }
  throw new RedisReplyError('the lock script');
}

/** The lock's "someone waits" mark (LOCK_STEP sets it; only when it is there is the result handed over: LOCK_RELEASE). */
const waitingKey = (lock: string) => `${lock}:w`;

/**
 * The kind of a Redis client error, safe to log: a system or TLS error's code (ECONNREFUSED,
 * DEPTH_ZERO_SELF_SIGNED_CERT…) or a reply error's first word (WRONGPASS, NOAUTH…).
 */
function failureKind(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, message, lastNodeError } = err as { code?: unknown; message?: unknown; lastNodeError?: unknown };
  // A cluster that cannot load its slot map says so in ClusterAllFailedError; the node's own error says why.
  if (lastNodeError) return failureKind(lastNodeError);
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,59}$/.test(code)) return code;
  return typeof message === 'string' ? /^([A-Z][A-Z0-9_]{1,39})(?=\s|$)/.exec(message)?.[1] : undefined;
}
