// The checks every Redis topology passes (Cluster, Sentinel, TLS + ACL): one home, called by each topology's file
// with its own fleet (one Redis topology per file, reused across its cases).
import { expect } from 'vitest';
import { startGateway } from '../../../../scripts/cluster.mjs';
import { bucketsOf, type Fleet, type FleetAnswer, QUERY, sleep, waitUntil } from './harness.js';

/** What every gateway process of the topology tests runs with (the store secret every replica shares). */
export const STORE_ENV = {
  GATEWAY_STORE_SECRET: 'topology-tests-store-secret-0123456789abcdef',
  GATEWAY_CACHE_TTL_MS: '10000',
  DBSS_TIMEOUT_MS: '8000',
  // The tests count exact upstream calls: a slow Redis on a loaded CI machine must not pass for an outage.
  GATEWAY_REDIS_TIMEOUT_MS: '2000',
};

export const wire = (p: string) => bucketsOf(p).map((b) => ({ bucketName: b.bucket_name, location: b.location }));
export const served = (a: FleetAnswer) => a.status === 200 && !a.body.errors && Array.isArray(a.body.data?.obsBuckets);

/**
 * 300 identical concurrent queries over the replicas make exactly 1 upstream call. The emulator holds
 * its answers until all 300 are inside the gateways (their in-flight gauges, polled with a deadline) and
 * only one call has reached it: no delay has to cover the burst, however slow the machine.
 */
export async function burstMakesOneCall(fleet: Fleet, token: string, project: string, count = 300): Promise<void> {
  const n = fleet.replicas.length;
  expect(await fleet.inFlight()).toBe(0);
  fleet.emulator.hold();
  let answers: FleetAnswer[];
  try {
    const asks = Promise.all(Array.from({ length: count }, (_, i) => fleet.query(i % n, token, project)));
    await fleet.emulator.whenHeld(1, 30_000);
    let inside = 0;
    const allInside = async () => {
      inside = await fleet.inFlight();
      return inside >= count;
    };
    await waitUntil(allInside, 30_000).catch(() => {
      throw new Error(`only ${inside} of ${count} requests reached the gateways within 30 s`);
    });
    expect(inside).toBe(count);
    // Every request is inside a gateway, and still only one call has reached DBSS.
    expect(fleet.emulator.held).toBe(1);
    fleet.emulator.release();
    answers = await asks;
  } finally {
    fleet.emulator.release();
  }
  for (const a of answers) expect(a.body).toEqual({ data: { obsBuckets: wire(project) } });
  // A replica that fell back to its own state (a slow Redis on a loaded machine) says so in its log.
  const fellBack = fleet.replicas.map((r) =>
    r
      .output()
      .split('\n')
      .filter((l) => l.includes('redis unreachable')),
  );
  expect(fleet.upstreamCalls(project), JSON.stringify(fellBack)).toBe(1);
}

/** 20 tokens × 3 projects × every replica, twice: no answer holds data its token may not see. */
export async function noCrossCallerData(
  fleet: Fleet,
  tokens: { token: string; projects: string[] }[],
  projects: string[],
): Promise<void> {
  const asks = tokens.flatMap((t) =>
    fleet.replicas.flatMap((_r, replica) => projects.map((project) => ({ ...t, replica, project }))),
  );
  const answers = await Promise.all(
    [...asks, ...asks].map(async (a) => ({ ...a, answer: await fleet.query(a.replica, a.token, a.project) })),
  );
  let leaks = 0;
  for (const { projects: allowed, project, answer } of answers) {
    if (allowed.includes(project)) expect(answer.body.data?.obsBuckets).toEqual(wire(project));
    else {
      if (answer.body.data?.obsBuckets) leaks++;
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  }
  expect(leaks).toBe(0);
}

/**
 * N + 40 requests of one caller at once over the replicas: N served (plus what a sliding limit lets
 * through in the seconds the burst took: ⌊s·N/60⌋), the rest RATE_LIMITED.
 */
export async function fleetRateLimitIsExact(fleet: Fleet, token: string, project: string, limit: number) {
  const n = fleet.replicas.length;
  const t0 = Date.now();
  const answers = await Promise.all(Array.from({ length: limit + 40 }, (_, i) => fleet.query(i % n, token, project)));
  const seconds = (Date.now() - t0) / 1000;
  const ok = answers.filter(served).length;
  expect(ok).toBeGreaterThanOrEqual(limit);
  expect(ok).toBeLessThanOrEqual(limit + Math.floor((seconds * limit) / 60));
  for (const a of answers.filter((x) => !served(x))) {
    expect(a.status).toBeLessThan(500);
    expect(a.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  }
}

export interface FailoverResult {
  ok: number;
  failed: number;
  slowestMs: number;
  /** Kill → the replica (or new master) reports role master. */
  promotionMs: number;
  /** Promotion → every gateway replica reports redis_up 1 again. */
  upBackMs: number;
  /** Promotion → that, the load over, and an entry cached via one replica answered by another. */
  sharingBackMs: number;
}

/**
 * A 10 s load of `tokens` × `projects` over every replica; `kill()` after 3 s; polls `promoted()`
 * (true once the replica took over). Checks: 0 failed requests, each within 20 s, every replica shows
 * redis_up 0 while it falls back and 1 again, sharing back within `withinMs` of the promotion.
 */
export async function failoverUnderLoad(
  fleet: Fleet,
  o: {
    tokens: string[];
    projects: string[];
    after: string;
    kill: () => Promise<void>;
    promoted: () => Promise<boolean>;
    withinMs: number;
  },
): Promise<FailoverResult> {
  const n = fleet.replicas.length;
  const upMetric = () => Promise.all(fleet.replicas.map((_r, i) => fleet.metric(i, 'dbss_gateway_redis_up')));
  expect(await upMetric()).toEqual(fleet.replicas.map(() => 1));
  let ok = 0;
  let failed = 0;
  let slowestMs = 0;
  // What the failed requests were (status and error code, counted): the assertion names them.
  const why = new Map<string, number>();
  const end = Date.now() + 10_000;
  const worker = async (w: number) => {
    for (let k = 0; Date.now() < end; k++) {
      const t = Date.now();
      const a = await fleet
        .query((w + k) % n, o.tokens[(w + k) % o.tokens.length]!, o.projects[k % o.projects.length]!)
        .catch(() => undefined);
      slowestMs = Math.max(slowestMs, Date.now() - t);
      if (a && served(a) && Date.now() - t <= 20_000) ok++;
      else {
        failed++;
        const reason = a
          ? `${a.status} ${a.body.errors?.[0]?.extensions?.code ?? (served(a) ? 'slow' : 'no data')}`
          : 'no answer';
        why.set(reason, (why.get(reason) ?? 0) + 1);
      }
    }
  };
  const load = Promise.all(Array.from({ length: 9 }, (_, w) => worker(w)));
  await sleep(3000);
  const killedAt = Date.now();
  await o.kill();
  // Every replica must be seen falling back (redis_up 0) before it is seen sharing again.
  const sawDown = fleet.replicas.map(() => false);
  let promotedAt = 0;
  let upAt = 0;
  let up: (number | undefined)[] = [];
  const watchUntil = killedAt + 40_000;
  while (Date.now() < watchUntil) {
    up = await upMetric();
    up.forEach((v, i) => {
      if (v === 0) sawDown[i] = true;
    });
    if (!promotedAt && (await o.promoted())) promotedAt = Date.now();
    if (promotedAt && sawDown.every(Boolean) && up.every((v) => v === 1)) {
      upAt = Date.now();
      break;
    }
    await sleep(100);
  }
  expect(sawDown).toEqual(fleet.replicas.map(() => true));
  expect(promotedAt).toBeGreaterThan(0);
  // Not back: each replica's redis_up and what it logged about Redis.
  const redisLines = () =>
    JSON.stringify(
      fleet.replicas.map((r, i) => ({
        up: up[i],
        log: r
          .output()
          .split('\n')
          .filter((l) => l.includes('redis'))
          .slice(-6),
      })),
    );
  expect(upAt, redisLines()).toBeGreaterThan(0);
  expect(upAt - promotedAt).toBeLessThanOrEqual(o.withinMs);
  await load;
  expect(failed, JSON.stringify(Object.fromEntries(why))).toBe(0);
  expect(ok).toBeGreaterThan(100);
  expect(slowestMs).toBeLessThanOrEqual(20_000);
  // Shared again: cached via replica 1, answered by the last replica without another upstream call.
  await waitUntil(
    async () => (await upMetric()).every((v) => v === 1),
    Math.max(0, promotedAt + o.withinMs - Date.now()),
  );
  const token = o.tokens[0]!;
  expect(served(await fleet.query(0, token, o.after))).toBe(true);
  expect(served(await fleet.query(n - 1, token, o.after))).toBe(true);
  expect(fleet.upstreamCalls(o.after)).toBe(1);
  const sharingBackMs = Date.now() - promotedAt;
  expect(sharingBackMs).toBeLessThanOrEqual(o.withinMs);
  return { ok, failed, slowestMs, promotionMs: promotedAt - killedAt, upBackMs: upAt - promotedAt, sharingBackMs };
}

/**
 * Two replicas share through Redis: both report `redis_up 1`, an answer fetched through one is
 * served by the other without a second upstream call, and a burst of 60 over both makes one call.
 */
export async function sharesAcrossReplicas(fleet: Fleet, token: string, project: string, burstProject: string) {
  for (const i of [0, 1]) expect(await fleet.metric(i, 'dbss_gateway_redis_up')).toBe(1);
  expect((await fleet.query(0, token, project)).body.data?.obsBuckets).toEqual(wire(project));
  expect((await fleet.query(1, token, project)).body.data?.obsBuckets).toEqual(wire(project));
  expect(fleet.upstreamCalls(project)).toBe(1);
  await burstMakesOneCall(fleet, token, burstProject, 60);
}

/**
 * A gateway whose Redis refuses it (`redisEnv`: a wrong password, an untrusted CA…) still answers
 * `project` for `token` from its own state, reports `dbss_gateway_redis_up 0` and logs the fallback
 * (with `reason` matching, by kind only), and none of `secrets` (nor the store secret) appears in the
 * answer, the metrics, /ready or its output.
 */
export async function servesWithoutRedis(
  fleet: Fleet,
  o: { redisEnv: Record<string, string>; token: string; project: string; secrets: string[]; reason: RegExp },
): Promise<void> {
  const g = await startGateway({
    ...STORE_ENV,
    ...o.redisEnv,
    DBSS_ENDPOINT: fleet.emulator.url,
    DBSS_MAX_RETRIES: '0',
    LOG_LEVEL: 'debug',
  });
  try {
    const res = await fetch(g.graphql, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': o.token },
      body: JSON.stringify({ query: QUERY, variables: { projectId: o.project } }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text).data.obsBuckets).toEqual(wire(o.project));
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toMatch(/^dbss_gateway_redis_up 0$/m);
    const ready = await fetch(`${g.url}/ready`);
    const readyText = await ready.text();
    expect(ready.status).toBe(200);
    const output = g.output();
    expect(output).toContain('redis unreachable');
    expect(output).toMatch(o.reason);
    for (const place of [text, metrics, readyText, output])
      for (const secret of [...o.secrets, STORE_ENV.GATEWAY_STORE_SECRET]) expect(place).not.toContain(secret);
  } finally {
    await g.stop('SIGKILL');
  }
}
