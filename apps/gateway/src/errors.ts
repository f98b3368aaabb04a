// The ONE place where failures become GraphQL errors with a documented extensions.code.
import { classifyError, type DbssFailure } from '@dbss-obs/core';
import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { GatewayFailure } from './context.js';

export type GatewayErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'UPSTREAM_BAD_REQUEST'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'RATE_LIMITED';

export interface UpstreamInfo {
  status: number;
  errorCode: string | null;
  errorMsg: string | null;
  requestId: string | null;
}

export function gatewayError(code: GatewayErrorCode, message: string, upstream?: UpstreamInfo): GraphQLError {
  return createGraphQLError(message, { extensions: upstream ? { code, upstream } : { code } });
}

/** The fleet's budget toward DBSS (GATEWAY_UPSTREAM_RPS) stayed spent for as long as a call may wait. */
export class UpstreamBudgetSpent extends Error {
  override readonly name = 'UpstreamBudgetSpent';
  constructor(
    readonly perSecond: number,
    readonly retryAfterMs: number,
  ) {
    super(`The gateway's budget toward DBSS (${perSecond} calls per second) is spent; try again shortly.`);
  }
}

/** Which limit refused a request: the caller's own, the client address's, or the fleet's budget toward DBSS. */
export type LimitName = 'caller' | 'client' | 'upstream';

/**
 * THE RATE_LIMITED error: a GraphQL error with HTTP status 429 (never a 5xx), `Retry-After`, an integer
 * `retryAfterMs` and which limit it was in `limit`.
 */
export function rateLimitedError(limit: LimitName, retryAfterMs: number, message: string): GraphQLError {
  const ms = Math.max(1, Math.ceil(retryAfterMs));
  return createGraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      limit,
      retryAfterMs: ms,
      http: { status: 429, headers: { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) } },
    },
  });
}

type Answer = { code: GatewayErrorCode; message: string };
const failed = (what: string): Answer => ({ code: 'UPSTREAM_ERROR', message: `DBSS failed (${what}).` });

/**
 * How each of core's failure codes is answered: the gateway code and its message (`what` names DBSS's own
 * error); undefined leaves the failure to Yoga's masking.
 */
const ANSWERS: Partial<Record<DbssFailure['code'], (f: DbssFailure, what: string) => Answer | undefined>> = {
  VALIDATION_ERROR: (f) => ({ code: 'BAD_USER_INPUT', message: f.message }),
  // Core's message says what is missing; the fix for a gateway caller is the query's argument.
  PROJECT_NOT_FOUND: (f) => ({ code: 'BAD_USER_INPUT', message: `${f.message}: pass projectId.` }),
  // Discovery refused to send credentials to a guessed IAM host (DBSS_ENDPOINT without HUAWEICLOUD_SDK_IAM_ENDPOINT).
  CONFIG_ERROR: (f) =>
    f.variable === 'HUAWEICLOUD_SDK_IAM_ENDPOINT'
      ? {
          code: 'BAD_USER_INPUT',
          message:
            'Pass projectId: this gateway cannot discover it (DBSS is not the official host and HUAWEICLOUD_SDK_IAM_ENDPOINT is not set).',
        }
      : undefined,
  TIMEOUT: () => ({ code: 'UPSTREAM_TIMEOUT', message: 'DBSS did not answer in time.' }),
  CONNECTION_ERROR: () => ({ code: 'UPSTREAM_UNAVAILABLE', message: 'DBSS could not be reached.' }),
  TLS_ERROR: () => ({
    code: 'UPSTREAM_UNAVAILABLE',
    message: 'DBSS could not be reached: the gateway does not trust its TLS certificate (see NODE_EXTRA_CA_CERTS).',
  }),
  INVALID_RESPONSE: () => ({
    code: 'UPSTREAM_ERROR',
    message: 'DBSS answered with a body that is not the documented shape.',
  }),
  AUTHENTICATION_FAILED: (_, what) => ({ code: 'UNAUTHENTICATED', message: `DBSS refused the credentials (${what}).` }),
  PERMISSION_DENIED: (_, what) => ({ code: 'FORBIDDEN', message: `DBSS denied access to the project (${what}).` }),
  BAD_REQUEST: (_, what) => ({ code: 'UPSTREAM_BAD_REQUEST', message: `DBSS rejected the request (${what}).` }),
  NOT_FOUND: (_, what) => failed(what),
  RATE_LIMITED: (_, what) => failed(what),
  SERVER_ERROR: (_, what) => failed(what),
  API_ERROR: (_, what) => failed(what),
};

/**
 * THE mapping from core's classification (classifyError: fields, never classes or messages) to the
 * documented codes. Returns undefined for anything that is not a known DBSS failure: the gateway then
 * lets Yoga mask it as "Unexpected error.".
 */
export function toFailure(err: unknown): GatewayFailure | undefined {
  if (err instanceof UpstreamBudgetSpent)
    return { code: 'RATE_LIMITED', message: err.message, limit: 'upstream', retryAfterMs: err.retryAfterMs };
  const f = classifyError(err);
  const u = f.upstream;
  const what = u?.errorCode ? `${u.errorCode}: ${u.errorMsg ?? ''}`.trim() : `status ${u?.status}`;
  const answer = ANSWERS[f.code]?.(f, what);
  if (!answer) return undefined;
  const failure: GatewayFailure = answer;
  // A malformed 2xx has a status, but DBSS's error fields do not apply to it.
  if (u) {
    const bodyFields = f.code !== 'INVALID_RESPONSE';
    failure.upstream = {
      status: u.status,
      errorCode: bodyFields ? (u.errorCode ?? null) : null,
      errorMsg: bodyFields ? (u.errorMsg ?? null) : null,
      requestId: u.requestId ?? null,
    };
  }
  return failure;
}

/** A GraphQL error for a failure (see toFailure); anything unknown is returned unchanged for Yoga to mask. */
export function toGraphQLError(err: unknown): unknown {
  if (err instanceof GraphQLError) return err;
  const failure = toFailure(err);
  return failure ? failureError(failure) : err;
}

export function failureError(f: GatewayFailure): GraphQLError {
  if (f.code === 'RATE_LIMITED') return rateLimitedError(f.limit ?? 'upstream', f.retryAfterMs ?? 1000, f.message);
  return gatewayError(f.code as GatewayErrorCode, f.message, f.upstream);
}
