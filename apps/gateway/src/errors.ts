// The ONE place where failures become GraphQL errors with a documented extensions.code.
import {
  DbssAuthenticationError,
  DbssBadRequestError,
  DbssConfigError,
  DbssConnectionError,
  DbssPermissionError,
  DbssProjectNotFoundError,
  DbssResponseError,
  DbssTimeoutError,
  DbssValidationError,
  isDbssApiError,
  isDbssError,
} from '@dbss-obs/core';
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

/**
 * THE mapping from core's errors to the documented codes, by class (and so by the error's fields,
 * never its message). Returns undefined for anything that is not a known DBSS failure: the
 * gateway then lets Yoga mask it as "Unexpected error.".
 */
export function toFailure(err: unknown): GatewayFailure | undefined {
  if (err instanceof UpstreamBudgetSpent)
    return { code: 'RATE_LIMITED', message: err.message, limit: 'upstream', retryAfterMs: err.retryAfterMs };
  if (!isDbssError(err)) return undefined;
  if (err instanceof DbssValidationError) return { code: 'BAD_USER_INPUT', message: err.message };
  if (err instanceof DbssProjectNotFoundError) {
    return {
      code: 'BAD_USER_INPUT',
      message: `No project for region ${err.region} is visible to your credentials: pass projectId.`,
    };
  }
  if (err instanceof DbssTimeoutError) return { code: 'UPSTREAM_TIMEOUT', message: 'DBSS did not answer in time.' };
  if (err instanceof DbssConnectionError) {
    const why =
      err.code === 'TLS_ERROR' ? ': the gateway does not trust its TLS certificate (see NODE_EXTRA_CA_CERTS)' : '';
    return { code: 'UPSTREAM_UNAVAILABLE', message: `DBSS could not be reached${why}.` };
  }
  // Discovery refused to send credentials to a guessed IAM host (DBSS_ENDPOINT without HUAWEICLOUD_SDK_IAM_ENDPOINT).
  if (err instanceof DbssConfigError && err.variable === 'HUAWEICLOUD_SDK_IAM_ENDPOINT') {
    return {
      code: 'BAD_USER_INPUT',
      message:
        'Pass projectId: this gateway cannot discover it (DBSS is not the official host and HUAWEICLOUD_SDK_IAM_ENDPOINT is not set).',
    };
  }
  if (err instanceof DbssResponseError) {
    return {
      code: 'UPSTREAM_ERROR',
      message: 'DBSS answered with a body that is not the documented shape.',
      upstream: { status: err.status, errorCode: null, errorMsg: null, requestId: err.requestId ?? null },
    };
  }
  if (isDbssApiError(err)) {
    const upstream: UpstreamInfo = {
      status: err.status,
      errorCode: err.errorCode ?? null,
      errorMsg: err.errorMsg ?? null,
      requestId: err.requestId ?? null,
    };
    const what = upstream.errorCode
      ? `${upstream.errorCode}: ${upstream.errorMsg ?? ''}`.trim()
      : `status ${err.status}`;
    if (err instanceof DbssAuthenticationError)
      return { code: 'UNAUTHENTICATED', message: `DBSS refused the credentials (${what}).`, upstream };
    if (err instanceof DbssPermissionError)
      return { code: 'FORBIDDEN', message: `DBSS denied access to the project (${what}).`, upstream };
    if (err instanceof DbssBadRequestError)
      return { code: 'UPSTREAM_BAD_REQUEST', message: `DBSS rejected the request (${what}).`, upstream };
    return { code: 'UPSTREAM_ERROR', message: `DBSS failed (${what}).`, upstream };
  }
  return undefined;
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
