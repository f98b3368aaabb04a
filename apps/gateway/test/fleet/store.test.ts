// The SharedStore contract, run against the in-process store and the Redis one (a real
// redis-server on a free port), plus what only Redis can do: replicas sharing, and failing over.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../scripts/cluster.mjs';
import { FallbackStore } from '../../src/shared/fallback-store.js';
import { MemoryStore } from '../../src/shared/memory-store.js';
import { RedisStore } from '../../src/shared/redis-store.js';
import { createSealer } from '../../src/shared/seal.js';
import type { SharedStore, StoreKey } from '../../src/shared/store.js';
import { sleep, waitUntil } from './harness.js';

const TOKEN = 'MIIsecret-token-that-must-never-reach-redis-0001';
const SECRET = 'store-secret-for-these-tests-0123456789abcdef';

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

async function redisStore(
  prefix: string,
  extra: Partial<ConstructorParameters<typeof RedisStore>[0]> = {},
): Promise<RedisStore> {
  const s = new RedisStore({ url: redis.url, keyPrefix: prefix, secret: SECRET, ...extra });
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

  it('getMany reads one group’s keys (and others) in order; groups keep their keys apart', async () => {
    const [a, b] = await pair();
    await a.set(['caller-1', 'x'], 'x1', 60_000);
    await a.set(['caller-2', 'x'], 'x2', 60_000);
    await a.set('plain', 'p', 60_000);
    expect(
      await b.getMany([
        ['caller-1', 'x'],
        ['caller-1', 'y'],
      ]),
    ).toEqual(['x1', undefined]);
    expect(await b.getMany([['caller-2', 'x'], 'plain', ['caller-1', 'x']])).toEqual(['x2', 'p', 'x1']);
    expect(await b.getMany([])).toEqual([]);
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

  it('coalesce with a peek: a value there answers without a lock or a call; none, or no answer in it, goes on to the call with what was read', async () => {
    const [a, b] = await pair();
    const group = 'caller-peek';
    const keys = [
      [group, 'refused'],
      [group, 'entry'],
    ] as const;
    const seen: (readonly (string | undefined)[] | undefined)[] = [];
    let calls = 0;
    const fn = async (peeked?: readonly (string | undefined)[]) => {
      calls++;
      seen.push(peeked);
      return 'called';
    };
    const answerIfRefused = {
      keys,
      use: (v: readonly (string | undefined)[]) => (v[0] ? `refused ${v[0]}` : undefined),
    };
    // Nothing there: the call runs, told what was read with its lock (nothing).
    expect(await a.coalesce([group, 'lock'], 2000, fn, undefined, answerIfRefused)).toBe('called');
    expect(seen).toEqual([[undefined, undefined]]);
    // A value `use` answers from: no call, and no lock left behind (the next caller without one calls).
    await a.set(keys[0], '401', 60_000);
    expect(await b.coalesce([group, 'lock'], 2000, fn, undefined, answerIfRefused)).toBe('refused 401');
    expect(calls).toBe(1);
    // A value `use` finds no answer in: the call runs, told the values as they were under its lock.
    await a.set(keys[0], '', 60_000);
    await a.set(keys[1], 'old entry', 60_000);
    expect(await b.coalesce([group, 'lock'], 2000, fn, undefined, answerIfRefused)).toBe('called');
    expect(seen[1]).toEqual(['', 'old entry']);
    expect(calls).toBe(2);
  });

  it('coalesce with a peek: callers waiting for another caller’s call get its result, not the peek', async () => {
    const [a, b] = await pair();
    let calls = 0;
    let finish!: () => void;
    const held = new Promise<void>((r) => {
      finish = r;
    });
    const fn = async () => {
      calls++;
      await held;
      return 'the call';
    };
    const peek = { keys: [['caller-w', 'entry']] as const, use: () => 'never: nothing is there' };
    const first = a.coalesce(['caller-w', 'lock'], 2000, fn, undefined, peek);
    await waitUntil(() => calls === 1);
    const rest = Array.from({ length: 6 }, (_, i) =>
      (i % 2 ? a : b).coalesce(['caller-w', 'lock'], 2000, fn, undefined, peek),
    );
    await sleep(50);
    finish();
    expect(await Promise.all([first, ...rest])).toEqual(Array(7).fill('the call'));
    expect(calls).toBe(1);
  });

  it('coalesce with a peek: a caller joining a call in flight still looks first, so a refusal recorded since wins', async () => {
    const [a] = await pair();
    let finish!: () => void;
    const held = new Promise<void>((r) => {
      finish = r;
    });
    let calls = 0;
    const peek = {
      keys: [['caller-j', 'refused']] as const,
      use: (v: readonly (string | undefined)[]) => (v[0] ? 'refused' : undefined),
    };
    const first = a.coalesce(
      ['caller-j', 'lock'],
      2000,
      async () => {
        calls++;
        await held;
        return 'the call, begun before the refusal';
      },
      undefined,
      peek,
    );
    await waitUntil(() => calls === 1);
    // A caller here joins the call in flight: before the refusal, it gets that call's answer…
    const joinedBefore = a.coalesce(['caller-j', 'lock'], 2000, async () => 'not called', undefined, peek);
    await a.set(['caller-j', 'refused'], '401', 60_000);
    // …after it, the refusal: not the answer of a call that began before it.
    expect(await a.coalesce(['caller-j', 'lock'], 2000, async () => 'not called', undefined, peek)).toBe('refused');
    finish();
    expect(await first).toBe('the call, begun before the refusal');
    expect(await joinedBefore).toBe('the call, begun before the refusal');
    expect(calls).toBe(1);
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

/** A clock the test moves. */
function clock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const timed: [string, (now: () => number) => Promise<SharedStore>][] = [
  [
    'memory',
    async (now) => {
      const s = new MemoryStore({ now });
      opened.push(s);
      return s;
    },
  ],
  ['redis', (now) => redisStore(`gcra${++prefixes}:`, { now })],
];

describe.each(timed)('sliding limit (GCRA) on controllable time (%s)', (_name, make) => {
  it('at most N at once, and over any span s ≤ 60 s at most N + ⌊s·N/60⌋: never 2N across a boundary', async () => {
    const c = clock();
    const s = await make(c.now);
    const N = 10;
    const passed: number[] = [];
    // One attempt every 250 ms for 3 minutes, plus a burst of 3N at the start and at each old
    // "window boundary" (59.9 s, 60 s): a fixed window passes 2N within 200 ms there.
    const t0 = c.now();
    for (let ms = 0; ms <= 180_000; ms += 50) {
      const burst = ms === 0 || ms === 59_900 || ms === 60_000 || ms === 120_000 ? 3 * N : ms % 250 === 0 ? 1 : 0;
      for (let i = 0; i < burst; i++) if ((await s.hit('caller', N, 60_000)).allowed) passed.push(c.now() - t0);
      c.advance(50);
    }
    expect(passed.filter((t) => t === 0)).toHaveLength(N);
    for (let i = 0; i < passed.length; i++) {
      for (let j = i; j < passed.length; j++) {
        const span = (passed[j] as number) - (passed[i] as number);
        if (span > 60_000) break;
        expect(j - i + 1, `${j - i + 1} passed within ${span} ms`).toBeLessThanOrEqual(
          N + Math.floor((span * N) / 60_000),
        );
      }
    }
    // It refills continuously (one unit every 6 s) and demand never let up: exactly N + 180 s·N/60 s passed.
    expect(passed).toHaveLength(N + 30);
  });

  it('a request costs what it may call: cost N spends N units, and a refused hit spends nothing', async () => {
    const c = clock();
    const s = await make(c.now);
    expect((await s.hit('k', 10, 60_000, 5)).allowed).toBe(true);
    expect((await s.hit('k', 10, 60_000, 5)).allowed).toBe(true);
    const refused = await s.hit('k', 10, 60_000, 5);
    expect(refused.allowed).toBe(false);
    // 5 units at 6 s each free up in 30 s.
    expect(refused.retryAfterMs).toBe(30_000);
    c.advance(6_000);
    expect((await s.hit('k', 10, 60_000, 1)).allowed).toBe(true);
    expect((await s.hit('k', 10, 60_000, 1)).allowed).toBe(false);
    c.advance(29_999);
    expect((await s.hit('k', 10, 60_000, 5)).allowed).toBe(false);
    c.advance(1);
    expect(await s.hit('k', 10, 60_000, 5)).toEqual({ allowed: true, retryAfterMs: 0 });
  });
});

/**
 * A call `a` makes while `b` waits for it (so its result is stored in Redis for `b`: a call nobody
 * waits for stores none).
 */
async function coalescedForAWaiter(a: SharedStore, b: SharedStore, key: StoreKey, prefix: string): Promise<void> {
  const raw = new Redis(redis.url);
  let finish!: () => void;
  const held = new Promise<void>((resolve) => {
    finish = resolve;
  });
  try {
    const first = a.coalesce(key, 2000, async () => {
      await held;
      return 'ok';
    });
    await waitUntil(async () => (await raw.keys(`${prefix}*}:l:*`)).length === 1); // a holds the lock
    const second = b.coalesce(key, 2000, async () => 'not called: the waiter gets the call’s result');
    await waitUntil(async () => (await raw.keys(`${prefix}*:w`)).length === 1);
    finish();
    expect(await Promise.all([first, second])).toEqual(['ok', 'ok']);
  } finally {
    raw.disconnect();
  }
}

describe('Redis store', () => {
  it('keeps no key or value that holds the credential, the project, the secret or a salt', async () => {
    const s = await redisStore('leak:');
    const project = 'f'.repeat(32);
    await s.set([`t:${TOKEN}`, `buckets|cn-north-4|${project}`], '{"buckets":[]}', 60_000);
    await s.hit([`t:${TOKEN}`, 'rate'], 10, 60_000);
    await coalescedForAWaiter(s, await redisStore('leak:'), [`t:${TOKEN}`, `buckets|cn-north-4|${project}`], 'leak:');
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('leak:*');
      expect(keys.length).toBeGreaterThanOrEqual(3); // value, limit, coalesced result: no salt any more
      for (const k of keys) {
        for (const secret of [TOKEN, 'MIIsecret', project, SECRET, 'salt']) expect(k).not.toContain(secret);
        const type = await raw.type(k);
        if (type === 'string') {
          const v = (await raw.get(k)) ?? '';
          for (const secret of [TOKEN, project, SECRET]) expect(v).not.toContain(secret);
        }
      }
    } finally {
      raw.disconnect();
    }
  });

  it('every key of one group shares one hash tag (one cluster slot), so scripts and MGET take them together', async () => {
    const s = await redisStore('slot:');
    const group = `t:${TOKEN}`;
    await s.set([group, 'refused'], 'x', 60_000);
    await s.set([group, 'buckets|cn-north-4|p'], 'y', 60_000);
    await s.hit([group, 'rate'], 10, 60_000);
    await coalescedForAWaiter(s, await redisStore('slot:'), [group, 'buckets|cn-north-4|p'], 'slot:');
    expect(
      await s.getMany([
        [group, 'refused'],
        [group, 'buckets|cn-north-4|p'],
        [group, 'absent'],
      ]),
    ).toEqual(['x', 'y', undefined]);
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('slot:*');
      expect(keys.length).toBeGreaterThanOrEqual(4);
      const tags = new Set(keys.map((k) => /\{([^}]+)\}/.exec(k)?.[1]));
      expect(tags.size).toBe(1);
      expect([...tags][0]).toMatch(/^[\w-]{22}$/);
    } finally {
      raw.disconnect();
    }
  });

  it('replicas with the same secret find each other’s entries; another secret finds nothing', async () => {
    const [a, b] = [await redisStore('secret:'), await redisStore('secret:')];
    await a.set('k', 'shared', 10_000);
    expect(await b.get('k')).toBe('shared');
    const other = await redisStore('secret:', { secret: 'a-different-secret-of-enough-length-000000' });
    expect(await other.get('k')).toBeUndefined();
  });

  it('a forged, moved, malformed or future-dated value is a miss and is counted', async () => {
    let rejected = 0;
    const s = await redisStore('forge:', { onRejected: () => rejected++ });
    const seal = createSealer(SECRET, 'forge:');
    const raw = new Redis(redis.url);
    try {
      await s.set('good', 'genuine', 60_000);
      await s.set('other', 'other value', 60_000);
      const good = seal.key('v', 'good');
      const sealed = (await raw.get(good)) as string;
      expect(await s.get('good')).toBe('genuine');
      // Made up by someone who can write to Redis but does not hold the secret.
      const now = Date.now();
      await raw.set(good, `${now + 3_600_000}.${now + 7_200_000}.${'A'.repeat(43)}.{"forged":true}`);
      expect(await s.get('good')).toBeUndefined();
      // A genuine value moved under another key: the tag is bound to the key.
      await raw.set(seal.key('v', 'other'), sealed);
      expect(await s.get('other')).toBeUndefined();
      // Not even the shape.
      await raw.set(good, 'garbage');
      expect(await s.get('good')).toBeUndefined();
      // Tagged with the right secret but dated an hour ahead: a clock (or a forger) we do not trust.
      const k = seal.key('v', 'future');
      await raw.set(k, seal.seal(k, 'from the future', now + 3_600_000, 60_000));
      expect(await s.get('future')).toBeUndefined();
      // A limit state that no hit can write (a time far ahead): ignored, counted, and the hit passes.
      await raw.set(seal.key('r', 'limit'), String(now + 10 * 3_600_000));
      expect((await s.hit('limit', 5, 60_000)).allowed).toBe(true);
      expect(rejected).toBe(5);
    } finally {
      raw.disconnect();
    }
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
      const s = new RedisStore({ url: redis.url, keyPrefix: 'wake:', pollMs: 60_000, secret: SECRET });
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

  it('a holder publishes only when someone waits (in a cluster every PUBLISH reaches every node)', async () => {
    const listener = new Redis(redis.url);
    const raw = new Redis(redis.url);
    const channels: string[] = [];
    listener.on('pmessage', (_pattern: string, channel: string) => channels.push(channel));
    await listener.psubscribe('*');
    try {
      const [a, b] = [await redisStore('quiet:'), await redisStore('quiet:')];
      // Nobody waits: the call's release publishes nothing and stores no result (nobody would read it):
      // once the lock is released, the call has left no key behind.
      const writes: string[] = [];
      const sentArgs: string[] = [];
      const monitor = await raw.duplicate().monitor();
      monitor.on('monitor', (_time: string, args: string[]) => {
        sentArgs.push(...args);
        if (/^(set|del|pexpire)$/i.test(args[0] ?? '')) writes.push(args[0]!.toLowerCase());
      });
      expect(await a.coalesce('alone', 5000, async () => 'result-nobody-waits-for')).toBe('result-nobody-waits-for');
      await waitUntil(async () => (await raw.keys('quiet:*')).length === 0);
      // The lock taken, the lock released: no result stored (nor sent).
      expect(writes).toEqual(['set', 'del']);
      expect(sentArgs.some((arg) => arg.includes('result-nobody-waits-for'))).toBe(false);
      // b waits for a's call (its mark is in Redis before a finishes): one PUBLISH wakes it.
      let finish!: () => void;
      const held = new Promise<void>((resolve) => {
        finish = resolve;
      });
      let calls = 0;
      const first = a.coalesce('shared', 5000, async () => {
        calls++;
        await held;
        return 'shared-result';
      });
      await waitUntil(() => calls === 1);
      const second = b.coalesce('shared', 5000, async () => {
        calls++;
        return 'not this one';
      });
      await waitUntil(async () => (await raw.keys('quiet:*:w')).length === 1);
      finish();
      expect(await Promise.all([first, second])).toEqual(['shared-result', 'shared-result']);
      expect(calls).toBe(1);
      // This result was handed over (sent, sealed) for b: what the check above looks for is there to see.
      await waitUntil(() => sentArgs.some((arg) => arg.includes('shared-result')));
      monitor.disconnect();
      // Everything published before this end marker has reached the listener once the marker has.
      await raw.publish('end-of-test', 'x');
      await waitUntil(() => channels.includes('end-of-test'));
      expect(channels.length).toBe(2);
      expect(await raw.keys('quiet:*:w')).toEqual([]);
    } finally {
      listener.disconnect();
      raw.disconnect();
    }
  });

  it('a peeked coalesce sends one script for a kept answer and one for a miss (plus the release): no separate read', async () => {
    const raw = new Redis(redis.url);
    let rejected = 0;
    try {
      const s = await redisStore('peek:', { onRejected: () => rejected++ });
      // Every command this client sends (what a round trip carries), by name.
      const sent: string[] = [];
      const send = s.redis.sendCommand.bind(s.redis);
      s.redis.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
        sent.push(command.name);
        return (send as (...a: unknown[]) => unknown)(command, ...rest);
      }) as typeof s.redis.sendCommand;
      const keys = [
        ['caller-p', 'refused'],
        ['caller-p', 'entry'],
      ] as const;
      const peek = { keys, use: (v: readonly (string | undefined)[]) => v[1] };
      await s.coalesce(['caller-p', 'warm-up'], 2000, async () => 'loads the scripts', undefined, peek);
      await waitUntil(() => sent.length >= 2); // the release has gone out

      // Coalesces on one lock with the peek: what it answered, and what its call was told (if it ran).
      const coalesceSeeing = async (answer: string) => {
        let seen: readonly (string | undefined)[] | undefined | 'not called' = 'not called';
        const result = await s.coalesce(
          ['caller-p', 'lock'],
          2000,
          async (peeked) => {
            seen = peeked;
            return answer;
          },
          undefined,
          peek,
        );
        return { result, seen };
      };

      sent.length = 0;
      expect(await coalesceSeeing('miss')).toEqual({ result: 'miss', seen: [undefined, undefined] });
      await waitUntil(() => sent.length >= 2);
      expect(sent).toEqual(['evalsha', 'evalsha']); // the lock step (with the read), the release
      await s.set(keys[1], 'kept', 60_000);
      sent.length = 0;
      expect(await coalesceSeeing('not this')).toEqual({ result: 'kept', seen: 'not called' });
      expect(sent).toEqual(['evalsha']); // the lock step found it: no lock taken, nothing to release

      // A forged value under a peek key is no value: counted, and the call runs as on a miss.
      const seal = createSealer(SECRET, 'peek:');
      await raw.set(seal.key('v', keys[1]), 'forged');
      expect(await coalesceSeeing('called')).toEqual({ result: 'called', seen: [undefined, undefined] });
      expect(rejected).toBeGreaterThan(0);

      // Peek keys of another group would sit in another slot: refused before Redis is asked.
      await expect(
        s.coalesce(['caller-p', 'lock'], 2000, async () => 'x', undefined, {
          keys: [['another', 'entry']],
          use: () => 'x',
        }),
      ).rejects.toThrow(/share the coalesced key's group/);
    } finally {
      raw.disconnect();
    }
  });

  it('a long call keeps its lock: nobody takes over a live leader', async () => {
    const [a, b] = [await redisStore('renew:'), await redisStore('renew:')];
    // Renewed every TTL/3 (500 ms): a loaded machine may stall for a second without the lock lapsing.
    const ttl = 1500;
    let calls = 0;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const slow = async () => {
      calls++;
      await done; // the call lasts until released below: no sleep has to outlast anything
      return 'slow';
    };
    const first = a.coalesce('slow', ttl, slow);
    await waitUntil(() => calls === 1); // a leads
    const second = b.coalesce('slow', ttl, slow);
    // b waits while the call outlives its lock TTL twice over: only a's renewals keep the lock.
    const t0 = Date.now();
    while (Date.now() - t0 < 2 * ttl + 200) {
      await sleep(50);
      expect(calls).toBe(1);
    }
    finish();
    expect(await Promise.all([first, second])).toEqual(['slow', 'slow']);
    expect(calls).toBe(1);
  });

  it('a holder that never finishes holds a waiter at most maxWaitMs: then the waiter calls itself', async () => {
    // As a lock renewed forever (or a hostile Redis answering "held" to every step) looks to a waiter.
    const [a, b] = [await redisStore('stuck:'), await redisStore('stuck:')];
    let release!: () => void;
    const never = new Promise<string>((resolve) => {
      release = () => resolve('late');
    });
    const first = a.coalesce('stuck', 1000, () => never);
    await sleep(50);
    let own = 0;
    const itself = async () => {
      own++;
      return 'called itself';
    };
    // Within the lock's TTL and the wait, b waits (a holds the lock, renewing it)…
    const second = b.coalesce('stuck', 1000, itself, 400);
    // …then calls itself, while a's call still runs.
    expect(await second).toBe('called itself');
    expect(own).toBe(1);
    release();
    expect(await first).toBe('late');
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
    const s = new FallbackStore({ url: `redis://127.0.0.1:${await freePort()}`, logger: log, secret: SECRET });
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

  it('names why Redis is not used, by kind only: a wrong password (WRONGPASS) is not a refused connection', async () => {
    const { freePort } = await import('../../../../scripts/cluster.mjs');
    const password = 'right-password-0123456789abcdef';
    const own = await startRedis({ args: ['--requirepass', password] });
    const seen: object[] = [];
    const log = { info: () => {}, warn: (o: object) => seen.push(o) };
    try {
      const wrong = new FallbackStore({
        url: `redis://:wrong-pw-x1y2z3@127.0.0.1:${own.port}`,
        logger: log,
        secret: SECRET,
      });
      opened.push(wrong);
      expect(await wrong.connect()).toBe(false);
      const refused = new FallbackStore({ url: `redis://127.0.0.1:${await freePort()}`, logger: log, secret: SECRET });
      opened.push(refused);
      expect(await refused.connect()).toBe(false);
      expect(seen.map((o) => (o as { reason?: string }).reason)).toEqual(['WRONGPASS', 'ECONNREFUSED']);
      expect(JSON.stringify(seen)).not.toMatch(/wrong-pw|right-password|invalid username/);
    } finally {
      await own.kill();
    }
  });

  it('a REDIS_URL database the server refuses (index out of range): falls back, names why, writes nothing to database 0', async () => {
    const own = await startRedis();
    const seen: object[] = [];
    const log = { info: () => {}, warn: (o: object) => seen.push(o) };
    const raw = new Redis({ port: own.port, host: '127.0.0.1' });
    try {
      const s = new FallbackStore({ url: `${own.url}/99`, logger: log, secret: SECRET });
      opened.push(s);
      expect(await s.connect()).toBe(false);
      expect(s.redisUp).toBe(false);
      await s.set('k', 'here only', 60_000);
      expect(await s.get('k')).toBe('here only');
      expect(await raw.dbsize()).toBe(0);
      expect(seen.map((o) => (o as { reason?: string }).reason)).toEqual(['ERR_SELECT_DB']);
      // A database the server has: used.
      const ok = new FallbackStore({ url: `${own.url}/3`, secret: SECRET });
      opened.push(ok);
      expect(await ok.connect()).toBe(true);
      await ok.set('k', 'in 3', 60_000);
      expect(await raw.dbsize()).toBe(0);
      await raw.select(3);
      expect(await raw.dbsize()).toBe(1);
    } finally {
      raw.disconnect();
      await own.kill();
    }
  });

  it('a client that stopped reconnecting (ioredis status "end") is started again by the probe', async () => {
    const own = await startRedis();
    const s = new FallbackStore({ url: own.url, coolDownMs: 100, secret: SECRET });
    opened.push(s);
    try {
      expect(await s.connect()).toBe(true);
      // What ioredis does when it gives up: the connection ends and no reconnect is scheduled.
      s.redisStore.redis.disconnect(false);
      await waitUntil(() => !s.redisUp && s.redisStore.redis.status === 'end');
      await waitUntil(() => s.redisUp, 10_000);
      await s.set('k', 'shared again', 60_000);
      expect(await s.redisStore.get('k')).toBe('shared again');
    } finally {
      await own.kill();
    }
  });

  it('keeps answering while Redis is killed, and shares again once it is back', async () => {
    const own = await startRedis();
    const log = logger();
    const [a, b] = [
      new FallbackStore({ url: own.url, logger: log, secret: SECRET }),
      new FallbackStore({ url: own.url, coolDownMs: 200, secret: SECRET }),
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
      // Redis came back empty: a replica started now still hashes keys like the older ones (same secret).
      const c = new FallbackStore({ url: own.url, secret: SECRET });
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

  it('when Redis is back: writes for every replica reach it (never over a value there), the rest of the outage is dropped', async () => {
    // A stalled Redis (SIGSTOP: commands time out, its data stays), so a value can be there before and after.
    const own = await startRedis();
    const pid = own.child.pid as number;
    const [a, b] = [
      new FallbackStore({ url: own.url, coolDownMs: 100, secret: SECRET }),
      new FallbackStore({ url: own.url, coolDownMs: 100, secret: SECRET }),
    ];
    opened.push(a, b);
    try {
      expect(await a.connect()).toBe(true);
      expect(await b.connect()).toBe(true);
      await b.set('taken', 'there first', 60_000);
      process.kill(pid, 'SIGSTOP');
      await a.get('probe'); // times out: a falls back
      expect(a.redisUp).toBe(false);
      await a.set('plain', 'kept here', 60_000);
      await a.set('refusal', 'seen here', 60_000, { everyReplica: true });
      await a.set('brief', 'gone soon', 50, { everyReplica: true });
      await a.set('taken', 'seen here too', 60_000, { everyReplica: true });
      expect((await a.hit('limit', 1, 60_000)).allowed).toBe(true);
      expect(await a.get('plain')).toBe('kept here');
      await sleep(60); // 'brief' has expired
      process.kill(pid, 'SIGCONT');
      await waitUntil(() => a.redisUp, 10_000);
      await waitUntil(async () => (await b.get('refusal')) === 'seen here', 5000);
      expect(await b.get('taken')).toBe('there first');
      expect(await b.get('brief')).toBeUndefined();
      expect(await b.get('plain')).toBeUndefined();
      // What a kept in its own memory is gone: a later outage starts from nothing.
      expect(await a.memory.get('plain')).toBeUndefined();
      expect(await a.memory.get('refusal')).toBeUndefined();
      expect((await a.memory.hit('limit', 1, 60_000)).allowed).toBe(true);
    } finally {
      process.kill(pid, 'SIGCONT');
      await own.kill('SIGKILL');
    }
  });
});
