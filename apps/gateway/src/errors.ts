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
  constructor(readonly perSecond: number) {
    super(`The gateway's budget toward DBSS (${perSecond} calls per second) is spent; try again shortly.`);
  }
}

/** How each of core's failure codes is answered: the gateway code and its message (`what` names DBSS's own error). */
const ANSWERS: Partial<
  Record<DbssFailure['code'], { code: GatewayErrorCode; message: (f: DbssFailure, what: string) => string }>
> = {
  VALIDATION_ERROR: { code: 'BAD_USER_INPUT', message: (f) => f.message },
  // Core's message says what is missing; the fix for a gateway caller is the query's argument.
  PROJECT_NOT_FOUND: { code: 'BAD_USER_INPUT', message: (f) => `${f.message}: pass projectId.` },
  TIMEOUT: { code: 'UPSTREAM_TIMEOUT', message: () => 'DBSS did not answer in time.' },
  CONNECTION_ERROR: { code: 'UPSTREAM_UNAVAILABLE', message: () => 'DBSS could not be reached.' },
  INVALID_RESPONSE: {
    code: 'UPSTREAM_ERROR',
    message: () => 'DBSS answered with a body that is not the documented shape.',
  },
  AUTHENTICATION_FAILED: { code: 'UNAUTHENTICATED', message: (_, what) => `DBSS refused the credentials (${what}).` },
  PERMISSION_DENIED: { code: 'FORBIDDEN', message: (_, what) => `DBSS denied access to the project (${what}).` },
  BAD_REQUEST: { code: 'UPSTREAM_BAD_REQUEST', message: (_, what) => `DBSS rejected the request (${what}).` },
  NOT_FOUND: { code: 'UPSTREAM_ERROR', message: (_, what) => `DBSS failed (${what}).` },
  RATE_LIMITED: { code: 'UPSTREAM_ERROR', message: (_, what) => `DBSS failed (${what}).` },
  SERVER_ERROR: { code: 'UPSTREAM_ERROR', message: (_, what) => `DBSS failed (${what}).` },
  API_ERROR: { code: 'UPSTREAM_ERROR', message: (_, what) => `DBSS failed (${what}).` },
};

/**
 * THE mapping from core's classification (classifyError: fields, never classes or messages) to the
 * documented codes. Returns undefined for anything that is not a known DBSS failure: the gateway then
 * lets Yoga mask it as "Unexpected error.".
 */
export function toFailure(err: unknown): GatewayFailure | undefined {
  if (err instanceof UpstreamBudgetSpent) return { code: 'UPSTREAM_UNAVAILABLE', message: err.message };
  const f = classifyError(err);
  const answer = ANSWERS[f.code];
  if (!answer) return undefined;
  const u = f.upstream;
  // A malformed 2xx has a status but DBSS's error fields do not apply to it.
  const upstream: UpstreamInfo | undefined = u && {
    status: u.status,
    errorCode: f.code === 'INVALID_RESPONSE' ? null : (u.errorCode ?? null),
    errorMsg: f.code === 'INVALID_RESPONSE' ? null : (u.errorMsg ?? null),
    requestId: u.requestId ?? null,
  };
  const what = u?.errorCode ? `${u.errorCode}: ${u.errorMsg ?? ''}`.trim() : `status ${u?.status}`;
  const failure: GatewayFailure = { code: answer.code, message: answer.message(f, what) };
  if (upstream) failure.upstream = upstream;
  return failure;
}

/** A GraphQL error for a failure (see toFailure); anything unknown is returned unchanged for Yoga to mask. */
export function toGraphQLError(err: unknown): unknown {
  if (err instanceof GraphQLError) return err;
  const failure = toFailure(err);
  return failure ? failureError(failure) : err;
}

export function failureError(f: GatewayFailure): GraphQLError {
  return gatewayError(f.code as GatewayErrorCode, f.message, f.upstream);
}
