// Three real gateway processes, one real redis-server, the emulator: the fleet guarantees of
// issue 11 (shared cache, coalescing across replicas, fleet-wide rate limit, stale-if-error,
// Redis outages and a dying replica).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketsOf, type Fleet, type FleetAnswer, projectId, sleep, startFleet, waitUntil } from './harness.js';
import { burstMakesOneCall } from './topologies-cases.js';

const wire = (p: string) => bucketsOf(p).map((b) => ({ bucketName: b.bucket_name, location: b.location }));
const IN_FLIGHT = 'dbss_gateway_requests_in_flight';
const served = (a: FleetAnswer) => a.status === 200 && !a.body.errors && Array.isArray(a.body.data?.obsBuckets);

describe('fleet: 3 replicas sharing one Redis', () => {
  const P = {
    burst: projectId(1),
    cache: projectId(2),
    leak: [projectId(3), projectId(4), projectId(5)],
    stale: projectId(6),
    staleCold: projectId(7),
    load: [projectId(8), projectId(9)],
    after: projectId(10),
    takeover: projectId(11),
  };
  const TOKEN = 'MIIfleet-token-shared-by-many-callers-0001';
  // 20 tokens; token i may read leak project i % 3, and every fifth token also the next one.
  const leakTokens = Array.from({ length: 20 }, (_, i) => ({
    token: `MIIfleet-leak-token-${String(i).padStart(2, '0')}`,
    projects: i % 5 === 0 ? [P.leak[i % 3]!, P.leak[(i + 1) % 3]!] : [P.leak[i % 3]!],
  }));
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({
      tokens: {
        [TOKEN]: { projects: '*' },
        ...Object.fromEntries(leakTokens.map((t) => [t.token, { projects: t.projects }])),
      },
      projects: [P.burst, P.cache, ...P.leak, P.stale, P.staleCold, ...P.load, P.after, P.takeover],
      // DBSS_TIMEOUT_MS: the burst test holds the one upstream call until all 300 requests are in, which
      // may take seconds on a loaded machine; the call must not time out meanwhile.
      env: { GATEWAY_CACHE_TTL_MS: '3000', GATEWAY_STALE_MS: '60000', DBSS_TIMEOUT_MS: '10000' },
    });
  }, 60_000);
  afterAll(() => fleet?.close());

  it('300 identical concurrent queries over 3 replicas make exactly 1 upstream call', async () => {
    await burstMakesOneCall(fleet, TOKEN, P.burst);
  }, 60_000);

  it('an entry cached via replica 1 answers on replica 3', async () => {
    expect((await fleet.query(0, TOKEN, P.cache)).body.data?.obsBuckets).toEqual(wire(P.cache));
    expect(fleet.upstreamCalls(P.cache)).toBe(1);
    expect((await fleet.query(2, TOKEN, P.cache)).body.data?.obsBuckets).toEqual(wire(P.cache));
    expect(fleet.upstreamCalls(P.cache)).toBe(1);
  });

  it('20 tokens × 3 replicas × 3 projects at once: no answer holds data its token may not see', async () => {
    const asks = leakTokens.flatMap((t) =>
      [0, 1, 2].flatMap((replica) => P.leak.map((project) => ({ ...t, replica, project }))),
    );
    // Twice over, so the second round meets warm cache entries and in-flight calls of other tokens.
    const answers = await Promise.all(
      [...asks, ...asks].map(async (a) => ({ ...a, answer: await fleet.query(a.replica, a.token, a.project) })),
    );
    let leaks = 0;
    for (const { projects, project, answer } of answers) {
      if (projects.includes(project)) {
        expect(answer.body.data?.obsBuckets).toEqual(wire(project));
      } else {
        if (answer.body.data?.obsBuckets) leaks++;
        expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    }
    expect(leaks).toBe(0);
  });

  it('no Redis key or value holds a token', async () => {
    const raw = new Redis(fleet.redis!.url);
    try {
      const keys = await raw.keys('*');
      expect(keys.length).toBeGreaterThan(10);
      const secrets = [TOKEN, ...leakTokens.map((t) => t.token)];
      for (const k of keys) {
        const value = (await raw.type(k)) === 'string' ? ((await raw.get(k)) ?? '') : '';
        for (const secret of secrets) {
          expect(k).not.toContain(secret);
          expect(value).not.toContain(secret);
        }
      }
    } finally {
      raw.disconnect();
    }
  });

  it('stale-if-error: when DBSS turns 503, the cached answer is served marked stale', async () => {
    expect((await fleet.query(0, TOKEN, P.stale)).body.data?.obsBuckets).toEqual(wire(P.stale));
    await sleep(3100); // past GATEWAY_CACHE_TTL_MS: no longer fresh, still within GATEWAY_STALE_MS
    fleet.emulator.fault({ status: 503 }, { projectId: P.stale });
    fleet.emulator.fault({ status: 503 }, { projectId: P.staleCold });
    const before = fleet.upstreamCalls(P.stale);
    const stale = await fleet.query(2, TOKEN, P.stale);
    expect(fleet.upstreamCalls(P.stale)).toBe(before + 1); // DBSS was asked, and failed
    expect(stale.status).toBe(200);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data?.obsBuckets).toEqual(wire(P.stale));
    const ageMs = (stale.body.extensions?.stale as { ageMs?: number } | undefined)?.ageMs;
    expect(Number.isInteger(ageMs)).toBe(true);
    expect(ageMs).toBeGreaterThanOrEqual(3000);
    expect(ageMs).toBeLessThan(60_000);
    expect(await fleet.metric(2, 'dbss_gateway_stale_answers_total')).toBe(1);
    // Nothing cached: the error itself.
    const cold = await fleet.query(1, TOKEN, P.staleCold);
    expect(cold.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(cold.body.extensions?.stale).toBeUndefined();
  });

  it('Redis SIGKILLed during a 10 s load: 0 failed requests, redis_up 0, and sharing again once it is back', async () => {
    for (let i = 0; i < 3; i++) expect(await fleet.metric(i, 'dbss_gateway_redis_up')).toBe(1);
    let failed = 0;
    let ok = 0;
    const end = Date.now() + 10_000;
    const worker = async (w: number) => {
      for (let n = 0; Date.now() < end; n++) {
        const a = await fleet.query((w + n) % 3, TOKEN, P.load[n % 2]!).catch(() => undefined);
        if (a && served(a)) ok++;
        else failed++;
      }
    };
    const load = Promise.all(Array.from({ length: 9 }, (_, w) => worker(w)));
    await sleep(3000);
    await fleet.redis!.kill('SIGKILL');
    await sleep(2000);
    for (let i = 0; i < 3; i++) {
      expect(await fleet.metric(i, 'dbss_gateway_redis_up')).toBe(0);
      expect(await fleet.readyStatus(i)).toBe(200);
    }
    await fleet.redis!.restart();
    await load;
    expect(failed).toBe(0);
    expect(ok).toBeGreaterThan(100);
    await waitUntil(async () => {
      const up = await Promise.all([0, 1, 2].map((i) => fleet.metric(i, 'dbss_gateway_redis_up')));
      return up.every((v) => v === 1);
    });
    // Shared again: cached via replica 1, answered by replica 3 without another upstream call.
    await fleet.query(0, TOKEN, P.after);
    await fleet.query(2, TOKEN, P.after);
    expect(fleet.upstreamCalls(P.after)).toBe(1);
  }, 40_000);

  it('the replica making a coalesced call is SIGKILLed mid-call: the waiters are answered', async () => {
    // Nothing else is running: every request the emulator receives now is for this project. It holds
    // them all: the leader's call stays open however slow the machine, until the test releases it.
    const before = fleet.emulator.requestCount; // counted on arrival (the record is written on answer)
    fleet.emulator.hold();
    const leader = fleet.query(0, TOKEN, P.takeover).catch(() => 'leader died');
    await fleet.emulator.whenHeld(1, 30_000);
    const waiters = Promise.all([fleet.query(1, TOKEN, P.takeover), fleet.query(2, TOKEN, P.takeover)]);
    // Both waiters are inside their replicas, and none has called DBSS: they wait on the leader's lock.
    await waitUntil(async () => (await fleet.metric(1, IN_FLIGHT)) === 1 && (await fleet.metric(2, IN_FLIGHT)) === 1);
    expect(fleet.emulator.held).toBe(1);
    await fleet.replicas[0]!.stop('SIGKILL');
    // The dead leader's lock expires; one waiter takes the call over (held too), then DBSS answers.
    await fleet.emulator.whenHeld(2, 30_000);
    fleet.emulator.release();
    for (const a of await waiters) expect(a.body).toEqual({ data: { obsBuckets: wire(P.takeover) } });
    expect(await leader).toBe('leader died');
    // Exactly one waiter took the call over.
    expect(fleet.emulator.requestCount - before).toBe(2);
  }, 60_000);
});

describe('fleet: GATEWAY_RATE_LIMIT across replicas', () => {
  const CALLER = 'MIIfleet-rate-limited-caller-0001';
  const OTHER = 'MIIfleet-rate-limit-other-caller-0002';
  const project = projectId(20);
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({
      tokens: { [CALLER]: { projects: '*' }, [OTHER]: { projects: '*' } },
      projects: [project],
      env: { GATEWAY_RATE_LIMIT: '30', GATEWAY_CACHE_TTL_MS: '60000' },
    });
  }, 60_000);
  afterAll(() => fleet?.close());

  it('40 requests of one caller across 3 replicas: exactly 30 served, the rest RATE_LIMITED', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => fleet.query(i % 3, CALLER, project)));
    expect(answers.filter(served)).toHaveLength(30);
    const limited = answers.filter((a) => !served(a));
    expect(limited).toHaveLength(10);
    for (const a of limited) {
      expect(a.status).toBeLessThan(500);
      expect(a.body.data?.obsBuckets ?? null).toBeNull();
      const ext = a.body.errors?.[0]?.extensions;
      expect(ext?.code).toBe('RATE_LIMITED');
      expect(Number.isInteger(ext?.retryAfterMs)).toBe(true);
      expect(ext?.retryAfterMs as number).toBeGreaterThan(0);
    }
    // Cached answers count too: the next request is limited although its answer is cached.
    expect((await fleet.query(1, CALLER, project)).body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Another caller has its own budget.
    expect(served(await fleet.query(2, OTHER, project))).toBe(true);
    // Limited requests never reach DBSS: one caller, one cached entry → one call for both callers' data each.
    expect(fleet.upstreamCalls(project)).toBeLessThanOrEqual(2);
  });
});
