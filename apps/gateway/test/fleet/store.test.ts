// The SharedStore contract, run against the in-process store and the Redis one (a real
// redis-server on a free port), plus what only Redis can do: replicas sharing, and failing over.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/cluster.mjs';
import { FallbackStore } from '../../src/shared/fallback-store.js';
import { MemoryStore } from '../../src/shared/memory-store.js';
import { RedisStore } from '../../src/shared/redis-store.js';
import type { SharedStore } from '../../src/shared/store.js';
import { sleep, waitUntil } from './harness.js';

const TOKEN = 'MIIsecret-token-that-must-never-reach-redis-0001';

let redis: RedisServer;
let prefixes = 0;
const opened: SharedStore[] = [];

beforeAll(async () => {
  // No skip: without redis-server this fails, saying how to install it.
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await redis?.kill();
});

async function redisStore(prefix: string): Promise<RedisStore> {
  const s = new RedisStore({ url: redis.url, keyPrefix: prefix });
  opened.push(s);
  expect(await s.connect()).toBe(true);
  return s;
}

/** Two handles on one state: two replicas with Redis, the same store in process. */
type Pair = () => Promise<[SharedStore, SharedStore]>;
const implementations: [string, Pair][] = [
  [
    'memory',
    async () => {
      const s = new MemoryStore();
      opened.push(s);
      return [s, s];
    },
  ],
  [
    'redis',
    async () => {
      const prefix = `t${++prefixes}:`;
      return [await redisStore(prefix), await redisStore(prefix)];
    },
  ],
];

describe.each(implementations)('SharedStore contract (%s)', (_name, pair) => {
  it('get returns what set stored until its TTL ends', async () => {
    const [a, b] = await pair();
    expect(await a.get('k')).toBeUndefined();
    await a.set('k', 'v1', 150);
    expect(await b.get('k')).toBe('v1');
    await sleep(250);
    expect(await b.get('k')).toBeUndefined();
  });

  it('hit allows exactly `limit` hits per window, even when they race', async () => {
    const [a, b] = await pair();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit('caller', 30, 60_000)));
    expect(results.filter((r) => r.allowed)).toHaveLength(30);
    const denied = results.filter((r) => !r.allowed);
    expect(denied).toHaveLength(10);
    for (const d of denied) {
      expect(Number.isInteger(d.retryAfterMs)).toBe(true);
      expect(d.retryAfterMs).toBeGreaterThan(0);
      expect(d.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect((await a.hit('other caller', 30, 60_000)).allowed).toBe(true);
  });

  it('hit opens a new window once the old one ends', async () => {
    const [a] = await pair();
    expect((await a.hit('w', 1, 150)).allowed).toBe(true);
    expect((await a.hit('w', 1, 150)).allowed).toBe(false);
    await sleep(250);
    expect(await a.hit('w', 1, 150)).toEqual({ allowed: true, retryAfterMs: 0 });
  });

  it('coalesce runs one call for concurrent callers with the same key, wherever they are', async () => {
    const [a, b] = await pair();
    let calls = 0;
    const fn = async () => {
      calls++;
      await sleep(150);
      return { buckets: ['b1', 'b2'], n: calls };
    };
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).coalesce('same', 2000, fn)));
    expect(calls).toBe(1);
    for (const r of results) expect(r).toEqual({ buckets: ['b1', 'b2'], n: 1 });
  });

  it('coalesce keeps different keys apart', async () => {
    const [a, b] = await pair();
    const seen: string[] = [];
    const fn = (k: string) => async () => {
      seen.push(k);
      await sleep(50);
      return k;
    };
    const [x, y] = await Promise.all([a.coalesce('key-x', 2000, fn('x')), b.coalesce('key-y', 2000, fn('y'))]);
    expect([x, y]).toEqual(['x', 'y']);
    expect(seen.sort()).toEqual(['x', 'y']);
  });

  it('coalesce passes a thrown error to the caller and does not retry it', async () => {
    const [a] = await pair();
    let calls = 0;
    const boom = async () => {
      calls++;
      await sleep(20);
      throw new Error('upstream exploded');
    };
    const settled = await Promise.allSettled([a.coalesce('fails', 2000, boom), a.coalesce('fails', 2000, boom)]);
    expect(calls).toBe(1);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('a finished call is not reused by a later caller (that is the cache’s job)', async () => {
    const [a, b] = await pair();
    let calls = 0;
    const fn = async () => ++calls;
    expect(await a.coalesce('later', 2000, fn)).toBe(1);
    expect(await b.coalesce('later', 2000, fn)).toBe(2);
  });
});

describe('Redis store', () => {
  it('keeps no key or value that holds the credential it was keyed by', async () => {
    const s = await redisStore('leak:');
    await s.set(`token:${TOKEN}|cn-north-4|p1`, '{"buckets":[]}', 60_000);
    await s.hit(`rate:${TOKEN}`, 10, 60_000);
    await s.coalesce(`call:${TOKEN}`, 2000, async () => 'ok');
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('leak:*');
      expect(keys.length).toBeGreaterThanOrEqual(4); // salt, value, counter, coalesced result
      for (const k of keys) {
        expect(k).not.toContain(TOKEN);
        expect(k).not.toContain('MIIsecret');
        const type = await raw.type(k);
        if (type === 'string') expect(await raw.get(k)).not.toContain(TOKEN);
      }
    } finally {
      raw.disconnect();
    }
  });

  it('replicas agree on one salt, so they find each other’s entries', async () => {
    const [a, b] = [await redisStore('salt:'), await redisStore('salt:')];
    await a.set('k', 'shared', 10_000);
    expect(await b.get('k')).toBe('shared');
  });

  it('when the caller holding the lock dies, exactly one waiter takes the call over after the lock expires', async () => {
    const prefix = 'takeover:';
    const leader = await redisStore(prefix);
    const waiters = [await redisStore(prefix), await redisStore(prefix), await redisStore(prefix)];
    let leaderStarted!: () => void;
    const started = new Promise<void>((r) => {
      leaderStarted = r;
    });
    // The leader's call never ends: its process "dies" (connection gone, no more lock renewals).
    void leader
      .coalesce('call', 400, () => {
        leaderStarted();
        return new Promise<string>(() => {});
      })
      .catch(() => {});
    await started;
    let takeovers = 0;
    const answers = Promise.all(
      waiters.map((w) =>
        w.coalesce('call', 400, async () => {
          takeovers++;
          await sleep(100);
          return 'answered by a waiter';
        }),
      ),
    );
    await sleep(100);
    await leader.close();
    expect(await answers).toEqual(['answered by a waiter', 'answered by a waiter', 'answered by a waiter']);
    expect(takeovers).toBe(1);
  });

  it('waiters are woken by the holder when it finishes, not by polling', async () => {
    // Polling every 5 minutes: only the holder's PUBLISH can end the wait within the test's time.
    const slowPoll = async () => {
      const s = new RedisStore({ url: redis.url, keyPrefix: 'wake:', pollMs: 60_000 });
      opened.push(s);
      expect(await s.connect()).toBe(true);
      return s;
    };
    const [a, b, c] = [await slowPoll(), await slowPoll(), await slowPoll()];
    let calls = 0;
    const fn = async () => {
      calls++;
      await sleep(300);
      return 'woken';
    };
    const first = a.coalesce('k', 5000, fn);
    await sleep(50);
    expect(await Promise.all([first, b.coalesce('k', 5000, fn), c.coalesce('k', 5000, fn)])).toEqual([
      'woken',
      'woken',
      'woken',
    ]);
    expect(calls).toBe(1);
  });

  it('a long call keeps its lock: nobody takes over a live leader', async () => {
    const [a, b] = [await redisStore('renew:'), await redisStore('renew:')];
    let calls = 0;
    const slow = async () => {
      calls++;
      await sleep(900); // longer than 3 lock TTLs; renewals keep the lock
      return 'slow';
    };
    const first = a.coalesce('slow', 250, slow);
    await sleep(50);
    expect(await Promise.all([first, b.coalesce('slow', 250, slow)])).toEqual(['slow', 'slow']);
    expect(calls).toBe(1);
  });
});

describe('Fallback store (Redis down is not an outage)', () => {
  function logger() {
    const lines: { level: string; msg: string }[] = [];
    return {
      lines,
      info: (_o: object, msg: string) => lines.push({ level: 'info', msg }),
      warn: (_o: object, msg: string) => lines.push({ level: 'warn', msg }),
    };
  }

  it('serves from this process when Redis is unreachable at start, and logs it once', async () => {
    const { freePort } = await import('../../../../scripts/cluster.mjs');
    const log = logger();
    const s = new FallbackStore({ url: `redis://127.0.0.1:${await freePort()}`, logger: log });
    opened.push(s);
    expect(await s.connect()).toBe(false);
    expect(s.redisUp).toBe(false);
    await s.set('k', 'v', 10_000);
    expect(await s.get('k')).toBe('v');
    expect((await s.hit('c', 1, 60_000)).allowed).toBe(true);
    expect((await s.hit('c', 1, 60_000)).allowed).toBe(false);
    expect(await s.coalesce('x', 1000, async () => 42)).toBe(42);
    expect(log.lines).toEqual([{ level: 'warn', msg: 'redis unreachable: shared state falls back to this process' }]);
  });

  it('keeps answering while Redis is killed, and shares again once it is back', async () => {
    const own = await startRedis();
    const log = logger();
    const [a, b] = [
      new FallbackStore({ url: own.url, logger: log }),
      new FallbackStore({ url: own.url, coolDownMs: 200 }),
    ];
    opened.push(a, b);
    try {
      expect(await a.connect()).toBe(true);
      expect(await b.connect()).toBe(true);
      await a.set('k', 'shared', 60_000);
      expect(await b.get('k')).toBe('shared');

      await own.kill('SIGKILL');
      // Every call still answers (from this process).
      await a.set('k', 'local', 60_000);
      expect(await a.get('k')).toBe('local');
      expect((await a.hit('c', 5, 60_000)).allowed).toBe(true);
      expect(await a.coalesce('x', 1000, async () => 'still answered')).toBe('still answered');
      await waitUntil(() => !a.redisUp && !b.redisUp);

      await own.restart();
      await waitUntil(() => a.redisUp && b.redisUp, 10_000);
      await a.set('k2', 'shared again', 60_000);
      expect(await b.get('k2')).toBe('shared again');
      // The restarted Redis has no scripts loaded: the Lua commands load them again, and still count.
      let calls = 0;
      const fn = async () => {
        calls++;
        await sleep(50);
        return 'once';
      };
      expect(await Promise.all([a.coalesce('after', 1000, fn), b.coalesce('after', 1000, fn)])).toEqual([
        'once',
        'once',
      ]);
      expect(calls).toBe(1);
      expect((await a.hit('after-restart', 1, 60_000)).allowed).toBe(true);
      expect((await b.hit('after-restart', 1, 60_000)).allowed).toBe(false);
      expect(a.redisUp && b.redisUp).toBe(true);
      // Redis came back empty: a replica started now still hashes keys like the older ones.
      const c = new FallbackStore({ url: own.url });
      opened.push(c);
      expect(await c.connect()).toBe(true);
      expect(await c.get('k2')).toBe('shared again');
      expect(log.lines).toEqual([
        { level: 'info', msg: 'redis connected: shared state' },
        { level: 'warn', msg: 'redis unreachable: shared state falls back to this process' },
        { level: 'info', msg: 'redis is back: shared state' },
      ]);
    } finally {
      await own.kill('SIGKILL');
    }
  });
});
