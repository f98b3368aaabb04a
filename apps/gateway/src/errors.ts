// The ONE place where failures become GraphQL errors with a documented extensions.code.
import {
  DbssAuthenticationError,
  DbssBadRequestError,
  DbssConnectionError,
  DbssPermissionError,
  DbssResponseError,
  DbssTimeoutError,
  DbssValidationError,
  isDbssApiError,
  isDbssError,
} from '@dbss-obs/core';
import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';

export type GatewayErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'UPSTREAM_BAD_REQUEST'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE';

export interface UpstreamInfo {
  status: number;
  errorCode: string | null;
  errorMsg: string | null;
  requestId: string | null;
}

export function gatewayError(code: GatewayErrorCode, message: string, upstream?: UpstreamInfo): GraphQLError {
  return createGraphQLError(message, { extensions: upstream ? { code, upstream } : { code } });
}

/**
 * Maps an error from core to the documented code. Anything that is not a known DBSS failure
 * is returned unchanged, so Yoga masks it as "Unexpected error.".
 */
export function toGraphQLError(err: unknown): unknown {
  if (err instanceof GraphQLError || !isDbssError(err)) return err;
  if (err instanceof DbssValidationError) return gatewayError('BAD_USER_INPUT', err.message);
  if (err instanceof DbssTimeoutError) return gatewayError('UPSTREAM_TIMEOUT', 'DBSS did not answer in time.');
  if (err instanceof DbssConnectionError) return gatewayError('UPSTREAM_UNAVAILABLE', 'DBSS could not be reached.');
  if (err instanceof DbssResponseError) {
    const upstream = { status: err.status, errorCode: null, errorMsg: null, requestId: err.requestId ?? null };
    return gatewayError('UPSTREAM_ERROR', 'DBSS answered with a body that is not the documented shape.', upstream);
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
      return gatewayError('UNAUTHENTICATED', `DBSS refused the credentials (${what}).`, upstream);
    if (err instanceof DbssPermissionError)
      return gatewayError('FORBIDDEN', `DBSS denied access to the project (${what}).`, upstream);
    if (err instanceof DbssBadRequestError)
      return gatewayError('UPSTREAM_BAD_REQUEST', `DBSS rejected the request (${what}).`, upstream);
    return gatewayError('UPSTREAM_ERROR', `DBSS failed (${what}).`, upstream);
  }
  return err;
}
