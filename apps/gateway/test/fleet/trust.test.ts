// Issue 16's shared-state half, on the real bin: 2-3 gateway processes, one real redis-server, the
// emulator. Refusals win over kept answers fleet-wide; stale answers only while DBSS is unavailable;
// a spent budget is RATE_LIMITED (limit "upstream"); the client address limit and per-field cost
// bound made-up tokens; values in Redis are authenticated and local copies never outlive Redis.
import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_BIN } from '../../../../scripts/cluster.mjs';
import {
  bucketsOf,
  type Fleet,
  type FleetAnswer,
  projectId,
  QUERY,
  STORE_SECRET,
  sleep,
  startFleet,
  waitUntil,
} from './harness.js';

const wire = (p: string) => bucketsOf(p).map((b) => ({ bucketName: b.bucket_name, location: b.location }));
const code = (a: FleetAnswer) => a.body.errors?.[0]?.extensions?.code;

describe('refusals win over kept answers (fleet of 2, Redis)', () => {
  const C = 'MIItrust-caller-refused-later-0001';
  const D = 'MIItrust-caller-denied-a-project-0002';
  const P = {
    a1: projectId(0x101),
    a2: projectId(0x102),
    a3: projectId(0x103),
    b1: projectId(0x104),
    b2: projectId(0x105),
  };
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({
      tokens: { [C]: { projects: '*' }, [D]: { projects: '*' } },
      projects: Object.values(P),
      replicas: 2,
      env: { GATEWAY_CACHE_TTL_MS: '1000', GATEWAY_STALE_MS: '600000', GATEWAY_REFUSAL_TTL_MS: '2000' },
    });
  }, 60_000);
  afterAll(() => fleet?.close());

  it('a 401 ends every kept answer of the credential, answers it at once fleet-wide, and no stale copy follows', async () => {
    expect((await fleet.query(0, C, P.a1)).body.data?.obsBuckets).toEqual(wire(P.a1));
    expect((await fleet.query(1, C, P.a2)).body.data?.obsBuckets).toEqual(wire(P.a2));
    // DBSS now refuses C (here: on a third project).
    fleet.emulator.fault({ status: 401 }, { projectId: P.a3, times: 1 });
    expect(code(await fleet.query(0, C, P.a3))).toBe('UNAUTHENTICATED');
    const calls = fleet.upstreamCalls();
    // The other replica, another project, an answer it had kept: refused at once, DBSS not asked.
    for (const [i, p] of [
      [1, P.a1],
      [0, P.a2],
      [1, P.a3],
    ] as const) {
      const a = await fleet.query(i, C, p);
      expect(code(a)).toBe('UNAUTHENTICATED');
      expect(a.body.data?.obsBuckets ?? null).toBeNull();
    }
    expect(fleet.upstreamCalls()).toBe(calls);
    // The standing refusal (2 s) ends; DBSS is then unavailable: the answers kept before the 401 are gone.
    await sleep(2100);
    fleet.emulator.fault({ status: 503 }, { projectId: P.a1 });
    fleet.emulator.fault({ status: 503 }, { projectId: P.a2 });
    for (const [i, p] of [
      [0, P.a1],
      [1, P.a2],
    ] as const) {
      const a = await fleet.query(i, C, p);
      expect(code(a)).toBe('UPSTREAM_ERROR');
      expect(a.body.extensions?.stale).toBeUndefined();
      expect(a.body.data?.obsBuckets ?? null).toBeNull();
    }
    fleet.emulator.clearFaults();
  }, 30_000);

  it('a 403 ends the kept answer of that (credential, region, project) only; real outages still get stale copies', async () => {
    expect((await fleet.query(0, D, P.b1)).body.data?.obsBuckets).toEqual(wire(P.b1));
    expect((await fleet.query(0, D, P.b2)).body.data?.obsBuckets).toEqual(wire(P.b2));
    await sleep(1100); // past GATEWAY_CACHE_TTL_MS: DBSS is asked again
    fleet.emulator.fault({ status: 403 }, { projectId: P.b1, times: 1 });
    expect(code(await fleet.query(1, D, P.b1))).toBe('FORBIDDEN');
    const calls = fleet.upstreamCalls();
    expect(code(await fleet.query(0, D, P.b1))).toBe('FORBIDDEN');
    expect(fleet.upstreamCalls()).toBe(calls);
    await sleep(2100); // the standing refusal ends
    fleet.emulator.fault({ status: 503 }, { projectId: P.b1 });
    fleet.emulator.fault({ status: 503 }, { projectId: P.b2 });
    const ended = await fleet.query(1, D, P.b1);
    expect(code(ended)).toBe('UPSTREAM_ERROR');
    expect(ended.body.extensions?.stale).toBeUndefined();
    // The other project of the same credential was not refused: DBSS down, its kept copy stands in.
    const stale = await fleet.query(0, D, P.b2);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data?.obsBuckets).toEqual(wire(P.b2));
    expect(stale.body.extensions?.stale).toBeDefined();
  }, 30_000);
});

describe('refusals seen while Redis is away (a stalled Redis: SIGSTOP, then SIGCONT, its data intact)', () => {
  const C = 'MIItrust-refused-during-a-redis-stall-0003';
  const E = 'MIItrust-refused-after-a-redis-stall-0004';
  const P = { c1: projectId(0x111), c2: projectId(0x112), e1: projectId(0x113), e2: projectId(0x114) };
  let fleet: Fleet;
  const pid = () => fleet.redis!.child!.pid!;
  const up = (i: number) => fleet.metric(i, 'dbss_gateway_redis_up');
  /** Stalls Redis and waits until both replicas fall back (a request makes each notice). */
  const stall = async () => {
    process.kill(pid(), 'SIGSTOP');
    await waitUntil(async () => {
      for (const i of [0, 1]) if ((await up(i)) !== 0) await fleet.query(i, 'MIInobody-just-a-probe-request', P.c1);
      return (await up(0)) === 0 && (await up(1)) === 0;
    }, 20_000);
  };
  const resume = async () => {
    process.kill(pid(), 'SIGCONT');
    await waitUntil(async () => (await up(0)) === 1 && (await up(1)) === 1, 20_000);
  };

  beforeAll(async () => {
    fleet = await startFleet({
      tokens: { [C]: { projects: '*' }, [E]: { projects: '*' } },
      projects: Object.values(P),
      replicas: 2,
      env: {
        GATEWAY_CACHE_TTL_MS: '1000',
        GATEWAY_STALE_MS: '600000',
        GATEWAY_REFUSAL_TTL_MS: '3000',
        GATEWAY_REDIS_TIMEOUT_MS: '500',
      },
    });
  }, 60_000);
  afterAll(async () => {
    if (fleet?.redis?.child?.pid) process.kill(fleet.redis.child.pid, 'SIGCONT');
    await fleet?.close();
  });

  it('a 401 one replica saw while Redis stalled reaches the fleet when Redis is back: no kept answer of it is served', async () => {
    // Kept in Redis before the stall, via replica 0.
    expect((await fleet.query(0, C, P.c1)).body.data?.obsBuckets).toEqual(wire(P.c1));
    await stall();
    // DBSS refuses C; only replica 1 sees it, and only its own memory can hold the refusal now.
    fleet.emulator.fault({ status: 401 }, { projectId: P.c2, times: 1 });
    expect(code(await fleet.query(1, C, P.c2))).toBe('UNAUTHENTICATED');
    await resume();
    // Replica 0 never saw the 401: Redis tells it, at once and with no DBSS call (the standing refusal).
    const calls = fleet.upstreamCalls();
    const refused = await fleet.query(0, C, P.c1);
    expect(code(refused)).toBe('UNAUTHENTICATED');
    expect(refused.body.data?.obsBuckets ?? null).toBeNull();
    expect(fleet.upstreamCalls()).toBe(calls);
    // And after the standing refusal, with DBSS down: the answer kept before the 401 stays ended.
    await sleep(3100);
    fleet.emulator.fault({ status: 503 }, { projectId: P.c1 });
    const a = await fleet.query(0, C, P.c1);
    expect(code(a)).toBe('UPSTREAM_ERROR');
    expect(a.body.extensions?.stale).toBeUndefined();
    fleet.emulator.clearFaults();
  }, 60_000);

  it('what a replica kept during a stall is dropped when Redis is back: a later outage cannot serve it past a refusal', async () => {
    await stall();
    // Kept in replica 0's own memory only (Redis is away).
    expect((await fleet.query(0, E, P.e1)).body.data?.obsBuckets).toEqual(wire(P.e1));
    await resume();
    // DBSS refuses E, seen by replica 1 with Redis up: the refusal is in Redis.
    fleet.emulator.fault({ status: 401 }, { projectId: P.e2, times: 1 });
    expect(code(await fleet.query(1, E, P.e2))).toBe('UNAUTHENTICATED');
    // Redis stalls again and DBSS is down: replica 0 cannot read the refusal, and has nothing of E left.
    await stall();
    fleet.emulator.fault({ status: 503 }, { projectId: P.e1 });
    const a = await fleet.query(0, E, P.e1);
    expect(a.body.data?.obsBuckets ?? null).toBeNull();
    expect(a.body.extensions?.stale).toBeUndefined();
    expect(code(a)).toBe('UPSTREAM_ERROR');
    await resume();
    fleet.emulator.clearFaults();
  }, 60_000);
});

describe('store integrity (fleet of 3, Redis)', () => {
  const T = 'MIIintegrity-caller-0001';
  const P = { forged: projectId(0x201), deleted: projectId(0x202) };
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({
      tokens: { [T]: { projects: '*' } },
      projects: Object.values(P),
      env: { GATEWAY_CACHE_TTL_MS: '600000', GATEWAY_STALE_MS: '600000' },
    });
  }, 60_000);
  afterAll(() => fleet?.close());

  /** Every key holding a kept value, written by the old layout or this one. */
  const valueKeys = async (raw: Redis) => (await raw.keys('*')).filter((k) => /(^|:)v:/.test(k));

  it('no Redis key or value holds a token, a project id or the store secret, and there is no salt', async () => {
    const raw = new Redis(fleet.redis!.url);
    try {
      expect((await fleet.query(1, T, P.forged)).body.data?.obsBuckets).toEqual(wire(P.forged));
      const keys = await raw.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) {
        const v = (await raw.type(k)) === 'string' ? ((await raw.get(k)) ?? '') : '';
        for (const s of [T, P.forged, P.deleted, STORE_SECRET]) {
          expect(k).not.toContain(s);
          expect(v).not.toContain(s);
        }
        expect(k).not.toMatch(/salt/);
      }
    } finally {
      raw.disconnect();
    }
  });

  it('a value forged with redis-cli SET (future time, made-up buckets) is never served, and is counted', async () => {
    expect((await fleet.query(0, T, P.forged)).body.data?.obsBuckets).toEqual(wire(P.forged));
    const raw = new Redis(fleet.redis!.url);
    try {
      const keys = await valueKeys(raw);
      expect(keys.length).toBeGreaterThan(0);
      const forged = JSON.stringify({
        at: Date.now() + 3_600_000,
        outcome: { ok: true, buckets: [{ bucketName: 'attacker-bucket', location: 'cn-north-4' }], meta: {} },
      });
      const forge = async () => {
        for (const k of await valueKeys(raw)) {
          const r = spawnSync('redis-cli', ['-p', String(fleet.redis!.port), 'SET', k, forged, 'PX', '600000'], {
            encoding: 'utf8',
          });
          expect(r.stdout.trim()).toBe('OK');
        }
      };
      const before = await Promise.all([0, 1, 2].map((i) => fleet.metric(i, 'dbss_gateway_store_rejected_total')));
      expect(before).toEqual([0, 0, 0]);
      for (const i of [0, 1, 2]) {
        // Forged again before each replica asks: the one before wrote a genuine answer back.
        await forge();
        const a = await fleet.query(i, T, P.forged);
        expect(JSON.stringify(a.body)).not.toContain('attacker-bucket');
        expect(a.body.data?.obsBuckets).toEqual(wire(P.forged));
      }
      const after = await Promise.all([0, 1, 2].map((i) => fleet.metric(i, 'dbss_gateway_store_rejected_total')));
      for (const n of after) expect(n).toBeGreaterThanOrEqual(1);
    } finally {
      raw.disconnect();
    }
  });

  it('a kept answer deleted from Redis is gone from every replica within 1 s', async () => {
    for (const i of [0, 1, 2])
      expect((await fleet.query(i, T, P.deleted)).body.data?.obsBuckets).toEqual(wire(P.deleted));
    const calls = fleet.upstreamCalls(P.deleted);
    expect(calls).toBe(1);
    const raw = new Redis(fleet.redis!.url);
    try {
      await raw.flushall();
    } finally {
      raw.disconnect();
    }
    const deleted = Date.now();
    // Each replica asks DBSS again (its local copy, if any, is dropped) within 1 s of the delete.
    for (const i of [0, 1, 2]) {
      const seen = fleet.upstreamCalls(P.deleted);
      await waitUntil(async () => {
        await fleet.query(i, T, P.deleted);
        return fleet.upstreamCalls(P.deleted) > seen;
      }, 1500);
      // Re-cached by this replica: the next replica must find Redis empty again.
      const r = new Redis(fleet.redis!.url);
      await r.flushall();
      r.disconnect();
    }
    expect(Date.now() - deleted).toBeLessThan(10_000);
  });
});

describe('limits: client address first, a request costs its fields, a spent budget is RATE_LIMITED (fleet of 2)', () => {
  const GOOD = 'MIIlimits-real-caller-0001';
  const P = Array.from({ length: 12 }, (_, i) => projectId(0x301 + i));
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({
      tokens: { [GOOD]: { projects: '*' } },
      projects: P,
      replicas: 2,
      env: {
        GATEWAY_CLIENT_RATE_LIMIT: '10',
        GATEWAY_TRUSTED_PROXIES: '127.0.0.1/32,::1',
        GATEWAY_UPSTREAM_RPS: '1',
        DBSS_TIMEOUT_MS: '200',
        GATEWAY_CACHE_TTL_MS: '1000',
        GATEWAY_STALE_MS: '600000',
      },
    });
  }, 60_000);
  afterAll(() => fleet?.close());

  const five = (p: string) => ({
    query: `query F($p: ID!) { obsBuckets(projectId: $p) { bucketName } b: obsBuckets(projectId: $p, region: "cn-east-3") { bucketName } c: obsBuckets(projectId: $p, region: "cn-north-1") { bucketName } d: obsBuckets(projectId: $p, region: "cn-south-1") { bucketName } e: obsBuckets(projectId: $p, region: "ap-southeast-1") { bucketName } }`,
    variables: { p },
  });

  it('10 made-up tokens × 5 aliases from one address: the client limit (fleet-wide) bounds the DBSS calls', async () => {
    const before = fleet.upstreamCalls();
    const answers: FleetAnswer[] = [];
    for (let t = 0; t < 10; t++)
      answers.push(
        await fleet.post(t % 2, five(P[0]!), {
          'X-Auth-Token': `MIImade-up-token-${t}`,
          'X-Forwarded-For': '203.0.113.7',
        }),
      );
    // 10 units a minute for this address, 5 per request: 2 requests pass, 8 are refused before DBSS.
    const limited = answers.filter((a) => a.body.errors?.[0]?.extensions?.limit === 'client');
    expect(limited).toHaveLength(8);
    for (const a of limited) {
      expect(a.status).toBeLessThan(500);
      expect(code(a)).toBe('RATE_LIMITED');
      expect(a.body.data ?? null).toBeNull();
      expect(Number.isInteger(a.body.errors?.[0]?.extensions?.retryAfterMs)).toBe(true);
    }
    expect(fleet.upstreamCalls() - before).toBeLessThanOrEqual(10);
  });

  it('the client address is the right-most X-Forwarded-For hop that is not a trusted proxy', async () => {
    // 203.0.113.7 spent its minute above; through another trusted hop it is still the same client.
    const again = await fleet.post(
      1,
      { query: QUERY, variables: { projectId: P[1] } },
      {
        'X-Auth-Token': GOOD,
        'X-Forwarded-For': '203.0.113.7, 127.0.0.1',
      },
    );
    expect(code(again)).toBe('RATE_LIMITED');
    expect(again.body.errors?.[0]?.extensions?.limit).toBe('client');
    // A client spoofing a hop before its own address does not escape: the right-most untrusted hop counts.
    const spoofed = await fleet.post(
      0,
      { query: QUERY, variables: { projectId: P[1] } },
      {
        'X-Auth-Token': GOOD,
        'X-Forwarded-For': '198.51.100.1, 203.0.113.7',
      },
    );
    expect(code(spoofed)).toBe('RATE_LIMITED');
    // Another address has its own budget (and, a second on, DBSS's budget of 1 call a second is whole).
    await sleep(1100);
    const other = await fleet.post(
      0,
      { query: QUERY, variables: { projectId: P[1] } },
      {
        'X-Auth-Token': GOOD,
        'X-Forwarded-For': '203.0.113.8',
      },
    );
    expect(other.body.errors).toBeUndefined();
  });

  it('a spent upstream budget is RATE_LIMITED (limit "upstream", < 500), never a kept copy', async () => {
    await sleep(1100); // the budget (1 call a second) spent by the tests above is whole again
    // A kept answer that would stand in for an outage.
    expect(
      (
        await fleet.post(
          0,
          { query: QUERY, variables: { projectId: P[2] } },
          { 'X-Auth-Token': GOOD, 'X-Forwarded-For': '192.0.2.1' },
        )
      ).body.errors,
    ).toBeUndefined();
    await sleep(1100); // no longer fresh, still kept; and the budget (1 call a second) is whole again
    const ask = (p: string, from: string) =>
      fleet.post(1, { query: QUERY, variables: { projectId: p } }, { 'X-Auth-Token': GOOD, 'X-Forwarded-For': from });
    // One call takes this second's budget; the kept project's call cannot get one within its 200 ms wait.
    const [first, kept] = await Promise.all([ask(P[3]!, '192.0.2.2'), ask(P[2]!, '192.0.2.3')]);
    const answers = [first, kept];
    const refused = answers.filter((a) => code(a) === 'RATE_LIMITED');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const a of refused) {
      expect(a.status).toBeLessThan(500);
      const ext = a.body.errors?.[0]?.extensions ?? {};
      expect(ext.limit).toBe('upstream');
      expect(Number.isInteger(ext.retryAfterMs)).toBe(true);
      expect(ext.retryAfterMs as number).toBeGreaterThan(0);
    }
    for (const a of answers) expect(a.body.extensions?.stale).toBeUndefined();
  });
});

describe('GATEWAY_STORE_SECRET at start', () => {
  /** Runs the bin with `env`; resolves with its exit code and what it printed. */
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [GATEWAY_BIN], {
        env: { PATH: process.env.PATH, DBSS_ENDPOINT: 'http://127.0.0.1:9', PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve({ code: c, out });
      });
    });

  it.each([
    ['REDIS_URL', 'redis://127.0.0.1:9'],
    ['REDIS_CLUSTER_NODES', '127.0.0.1:9'],
    ['REDIS_SENTINELS', '127.0.0.1:9'],
  ])('with %s and no secret the gateway refuses to start (exit 2, naming GATEWAY_STORE_SECRET)', async (v, value) => {
    const { code: exit, out } = await run({ [v]: value, REDIS_SENTINEL_MASTER: 'mymaster' });
    expect(exit).toBe(2);
    expect(out).toContain('GATEWAY_STORE_SECRET');
    expect(out).not.toMatch(/\n\s+at /); // no stack
  });

  it('a secret shorter than 32 characters is refused and never printed', async () => {
    const secret = 'short-secret-0123456789';
    const { code: exit, out } = await run({ REDIS_URL: 'redis://127.0.0.1:9', GATEWAY_STORE_SECRET: secret });
    expect(exit).toBe(2);
    expect(out).toContain('GATEWAY_STORE_SECRET');
    expect(out).not.toContain(secret);
  });
});
