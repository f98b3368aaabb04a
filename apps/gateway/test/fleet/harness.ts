// A real fleet for tests: one DBSS emulator (in this process, so faults and its request record
// are at hand), one throwaway redis-server and N gateway bin processes (dist/main.js) sharing it.
import { type Emulator, type Principal, startEmulator, type WireBucket } from '@dbss-obs/emulator';
import { type GatewayProcess, type RedisServer, startRedis, startReplicas } from '../../../../scripts/cluster.mjs';
import { sleep } from '../../src/shared/store.js';

export { sleep };

export interface FleetAnswer {
  status: number;
  body: {
    data?: { obsBuckets?: { bucketName: string; location: string }[] | null } | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

/** The store secret every test fleet runs with (tests that forge values need to know it is not in Redis). */
export const STORE_SECRET = 'fleet-test-store-secret-0123456789abcdefghij';

export interface Fleet {
  emulator: Emulator;
  redis: RedisServer | undefined;
  replicas: GatewayProcess[];
  /** Asks replica `i` for the buckets of `projectId` with `token`. */
  query(i: number, token: string, projectId: string): Promise<FleetAnswer>;
  /** POSTs a GraphQL body to replica `i` with these headers. */
  post(i: number, body: object, headers?: Record<string, string>): Promise<FleetAnswer>;
  /** ListAuditObsBuckets calls the emulator received (for one project, or all). */
  upstreamCalls(projectId?: string): number;
  /** A sample's value from replica `i`'s /metrics (undefined when absent). */
  metric(i: number, name: string): Promise<number | undefined>;
  /** HTTP requests being handled now, summed over the replicas (dbss_gateway_requests_in_flight). */
  inFlight(): Promise<number>;
  readyStatus(i: number): Promise<number>;
  close(): Promise<void>;
}

export const QUERY = 'query Buckets($projectId: ID!) { obsBuckets(projectId: $projectId) { bucketName location } }';

/** A 32-hex-digit project id made from a small number (distinct per test). */
export const projectId = (n: number) => n.toString(16).padStart(32, 'a');

export const bucketsOf = (project: string): WireBucket[] => [
  { bucket_name: `bucket-of-${project.slice(-6)}-1`, location: 'cn-north-4' },
  { bucket_name: `bucket-of-${project.slice(-6)}-2`, location: 'cn-east-3' },
];

export interface FleetOptions {
  /** Environment for every replica (on top of DBSS_ENDPOINT and REDIS_URL). */
  env?: Record<string, string>;
  /** Tokens the emulator accepts and what they may read. */
  tokens: Record<string, Principal>;
  /** Projects that exist (each gets two buckets named after it). */
  projects: string[];
  /** Run a redis-server and set REDIS_URL. @default true */
  redis?: boolean;
  replicas?: number;
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const emulator = await startEmulator({ tokens: opts.tokens, recordLimit: 100_000 });
  for (const p of opts.projects) emulator.setBuckets(p, bucketsOf(p));
  let redis: RedisServer | undefined;
  let replicas: GatewayProcess[] = [];
  try {
    redis = opts.redis === false ? undefined : await startRedis();
    replicas = await startReplicas(opts.replicas ?? 3, {
      DBSS_ENDPOINT: emulator.url,
      DBSS_MAX_RETRIES: '0',
      // The tests count exact upstream calls: a loaded CI machine must not pass for a Redis outage.
      GATEWAY_REDIS_TIMEOUT_MS: '1000',
      ...(redis ? { REDIS_URL: redis.url, GATEWAY_STORE_SECRET: STORE_SECRET } : {}),
      ...opts.env,
    });
  } catch (err) {
    await redis?.kill();
    await emulator.close();
    throw err;
  }
  const fleet: Fleet = {
    emulator,
    redis,
    replicas,
    query(i, token, project) {
      return fleet.post(i, { query: QUERY, variables: { projectId: project } }, { 'X-Auth-Token': token });
    },
    async post(i, body, headers = {}) {
      const res = await fetch(replicas[i]!.graphql, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as FleetAnswer['body'] };
    },
    upstreamCalls(project) {
      return emulator.requests.filter(
        (r) => r.path.includes('/audit/backup/obs-buckets') && (project === undefined || r.projectId === project),
      ).length;
    },
    async metric(i, name) {
      const text = await (await fetch(`${replicas[i]!.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    },
    async inFlight() {
      const each = await Promise.all(replicas.map((_r, i) => fleet.metric(i, 'dbss_gateway_requests_in_flight')));
      return each.reduce<number>((sum, n) => sum + (n ?? Number.NaN), 0);
    },
    async readyStatus(i) {
      return (await fetch(`${replicas[i]!.url}/ready`)).status;
    },
    async close() {
      await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
      await redis?.kill('SIGKILL');
      await emulator.close();
    },
  };
  return fleet;
}

export async function waitUntil(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}
