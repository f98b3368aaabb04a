// The innermost ListBuckets: one DBSS call with the caller's own credential (core's withAuth), its
// attempts reported to metrics, its failure turned into data by the one mapping in errors.ts.
import { type DbssAttempt, DbssClient, type DbssRegion, type FetchLike } from '@dbss-obs/core';
import type { BucketsOutcome, ListBuckets, UpstreamMeta } from './context.js';
import { toFailure } from './errors.js';

/** Told about every HTTP attempt: its status (or failure kind) and duration. */
export type UpstreamObserver = (status: string, seconds: number) => void;

export interface DbssCallerOptions {
  /** Base URL for every region (emulator, proxy); otherwise each region's public endpoint. */
  endpoint?: string;
  /** Per-region base URLs (HUAWEICLOUD_SDK_REGION_DBSS_<REGION>), used where `endpoint` is unset. */
  regionEndpoints?: Partial<Record<DbssRegion, string>>;
  /** IAM base URL for project discovery. @default core's: `https://iam.{region}.myhuaweicloud.com` */
  iamEndpoint?: string;
  defaultRegion?: DbssRegion;
  timeoutMs: number;
  maxRetries: number;
  /** Server-side AK/SK (opt-in mode): every call is signed with these; callers' tokens are never used. */
  aksk?: { ak: string; sk: string; securityToken?: string };
  /** A fetch for core to send with. @default core's transport */
  fetch?: FetchLike;
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Called once per HTTP attempt (metrics). */
  observe?: UpstreamObserver;
}

// The base client of token mode only holds what callers share (transport, retry policy, discovery
// cache); it is never used to call: every call goes through `withAuth(caller's token)`.
const UNUSED_TOKEN = 'gateway-base-client-never-sends-this-token';

export function createDbssCaller(opts: DbssCallerOptions): ListBuckets {
  // One base client per region (31 at most): withAuth keeps the region and endpoint of its base.
  const bases = new Map<string, DbssClient>();
  const baseFor = (region: DbssRegion | undefined): DbssClient => {
    const key = region ?? '';
    let base = bases.get(key);
    if (!base) {
      const effective = region ?? opts.defaultRegion;
      base = new DbssClient({
        region: effective,
        endpoint: opts.endpoint ?? (effective ? opts.regionEndpoints?.[effective] : undefined),
        iamEndpoint: opts.iamEndpoint,
        auth: opts.aksk ? { type: 'aksk', ...opts.aksk } : { type: 'token', token: UNUSED_TOKEN },
        timeoutMs: opts.timeoutMs,
        maxRetries: opts.maxRetries,
        fetch: opts.fetch,
        retry: opts.retry,
      });
      bases.set(key, base);
    }
    return base;
  };
  const observe = opts.observe;

  return async (call) => {
    const base = baseFor(call.region);
    const token = call.credential.token;
    const client = opts.aksk ? base : token ? base.withAuth({ type: 'token', token }) : undefined;
    if (!client) return { ok: false, failure: { code: 'UNAUTHENTICATED', message: 'No caller token.' }, meta: {} };
    const meta: UpstreamMeta = {};
    // Core reports every attempt: the last one's status and request id reach the caller's log line.
    const onAttempt = (a: DbssAttempt) => {
      meta.status = a.status;
      meta.requestId = a.requestId;
      observe?.(
        a.status === undefined ? (a.failure === 'TIMEOUT' ? 'timeout' : 'error') : String(a.status),
        a.durationMs / 1000,
      );
    };
    try {
      const buckets = await client.listObsBuckets({
        projectId: call.projectId,
        onAttempt,
        headers: call.headers,
        beforeAttempt: call.beforeAttempt,
      });
      return { ok: true, buckets, meta } satisfies BucketsOutcome;
    } catch (error) {
      return { ok: false, failure: toFailure(error), meta } satisfies BucketsOutcome;
    }
  };
}
