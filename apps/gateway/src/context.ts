// The per-request types every plugin and the resolver share, and the context Yoga starts from.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DbssRegion, ObsBucket } from '@dbss-obs/core';
import type { LimitName, UpstreamInfo } from './errors.js';

/** Filled in while a request runs; read by the access log and metrics once it ends. */
export interface RequestTrace {
  requestId: string;
  start: number;
  operationName?: string;
  /** Root fields of the executed operation, checked against the schema (safe as a metric label). */
  operation?: string;
  /** `OK` or the first error's extensions.code. */
  result?: string;
  /** Which door the request came in by: the buffered JSON door or Yoga's HTTP handling. Same pipeline. */
  via?: 'fast' | 'yoga';
  upstreamStatus?: number;
  upstreamRequestId?: string;
  /** The name of the gateway API key the caller presented (AK/SK mode); never the key. */
  apiKey?: string;
}

/** What the HTTP server hands Yoga with every request (absent when Yoga is called in process). */
export interface ServerContext {
  trace: RequestTrace;
  req?: IncomingMessage;
  res?: ServerResponse;
}

/** Who is calling: the IAM token to forward (token mode) or the gateway API-key id (AK/SK mode). */
export interface CallerCredential {
  token?: string;
  callerId?: string;
  /** The API key's name (AK/SK mode), for logs. */
  keyName?: string;
  /** What the API key may read; absent: everything the gateway's AK/SK can. */
  scope?: KeyScope;
}

/** An API key's allow-lists; an absent list allows all. */
export interface KeyScope {
  projects?: ReadonlySet<string>;
  regions?: ReadonlySet<string>;
}

/**
 * The store key group of a credential: every kept answer, refusal and limit of one caller shares it
 * (one Redis hash slot). It holds the credential: stores keep only its keyed hash.
 */
export function credentialGroup(credential: CallerCredential): string {
  return credential.token ? `t:${credential.token}` : `k:${credential.callerId ?? ''}`;
}

/** One obsBuckets call toward DBSS, as the resolver asks for it (arguments already validated). */
export interface BucketsCall {
  credential: CallerCredential;
  region?: DbssRegion;
  /** Absent: core discovers the project with the caller's credential. */
  projectId?: string;
  /** Extra headers for the DBSS request (`traceparent`); set by the tracing plugin. */
  headers?: Record<string, string>;
  /** Awaited before every HTTP attempt toward DBSS, retries included (the fleet's upstream budget). */
  beforeAttempt?: () => Promise<void>;
}

/** What the last HTTP attempt of one upstream call saw. */
export interface UpstreamMeta {
  status?: number;
  requestId?: string;
}

/**
 * A DBSS failure as data: it survives JSON (a shared cache or a coalesced call on another replica
 * hands it on). `failure` is absent for an unexpected error, which the gateway masks.
 */
export type BucketsOutcome =
  | { ok: true; buckets: ObsBucket[]; meta: UpstreamMeta }
  | { ok: false; failure?: GatewayFailure; meta: UpstreamMeta };

export interface GatewayFailure {
  code: string;
  message: string;
  upstream?: UpstreamInfo;
  /** RATE_LIMITED: which limit, and when to retry. */
  limit?: LimitName;
  retryAfterMs?: number;
}

/**
 * Lists buckets for a call. Plugins wrap the one in the context (tracing, cache and coalescing), so
 * the resolver always calls `ctx.listBuckets(call, ctx)` and every policy applies.
 */
export type ListBuckets = (call: BucketsCall, ctx: GatewayContext) => Promise<BucketsOutcome>;

export interface GatewayContext extends ServerContext {
  /** Set by useCredentials; undefined when the caller presented none (or a wrong API key). */
  credential: CallerCredential | undefined;
  listBuckets: ListBuckets;
}

export function newTrace(requestId?: string | null): RequestTrace {
  const id = requestId && /^[\w.-]{1,128}$/.test(requestId) ? requestId : randomUUID();
  return { requestId: id, start: performance.now() };
}

/** One layer around the DBSS call (cache, budget, tracing): takes the call it wraps, gives the wrapped one. */
export type ListBucketsWrapper = (inner: ListBuckets) => ListBuckets;

/** What a plugin that wraps the DBSS call exposes; yoga.ts composes these in call order. */
export interface WrapsListBuckets {
  wrapListBuckets: ListBucketsWrapper;
}

/**
 * `compose(a, b, c)(call)` is `a(b(c(call)))`: the wrappers in the order a call passes them, outermost
 * first. Built once at start; an absent wrapper (a policy turned off) is skipped.
 */
export function compose(...wrappers: (ListBucketsWrapper | undefined)[]): ListBucketsWrapper {
  return (call) => wrappers.reduceRight<ListBuckets>((inner, wrap) => (wrap ? wrap(inner) : inner), call);
}
