// What a route returns, the documented error bodies, and writing an answer with its one request id.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** One HTTP answer. The request id is added when it is sent, so header and body always agree. */
export interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export type RouteName = 'list' | 'iam' | 'metadata' | 'metadata-token';

export function newRequestId(): string {
  return randomBytes(16).toString('hex');
}

/** IAM's own trace id (header `X-IAM-Trace-Id`), one per IAM answer, errors included. */
export function newIamTraceId(): string {
  return `iam-${randomBytes(16).toString('hex')}`;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function send(res: ServerResponse, answer: Answer, requestId: string): void {
  if (res.destroyed) return;
  res.writeHead(answer.status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(answer.body),
    'X-Request-Id': requestId,
    ...answer.headers,
  });
  res.end(answer.body);
}

/** DBSS's own error body (400/401/403/500 of ListAuditObsBuckets). */
export function dbssError(
  code: string,
  msg: string,
  details: { error_code: string; error_msg: string }[] = [],
  encoded?: string,
): string {
  return JSON.stringify({ error_code: code, error_msg: msg, details, encoded_authorization_message: encoded ?? null });
}

/** Huawei's API gateway body (APIGW.0301 bad signature, APIGW.0101 no such API, APIGW.0308 throttled). */
export function apigError(code: string, msg: string, requestId: string): string {
  return JSON.stringify({ error_msg: msg, error_code: code, request_id: requestId });
}

/** Keystone-style IAM error body. */
export function iamError(status: number, message: string): string {
  const title =
    status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Error';
  return JSON.stringify({ error: { code: status, message, title } });
}

/** 401 APIGW.0301: the gateway refused the AK/SK signature (or its security token). */
export function badSignature(why: string, requestId: string): Answer {
  return { status: 401, body: apigError('APIGW.0301', `Incorrect IAM authentication information: ${why}`, requestId) };
}

export function noSuchApi(requestId: string): Answer {
  return {
    status: 404,
    body: apigError('APIGW.0101', 'The API does not exist or has not been published in the environment', requestId),
  };
}

/** The body a fault sends for `status` when it names none, in the style of the route it hits. */
export function defaultErrorBody(status: number, route: RouteName, requestId: string): string {
  if (status === 429) return apigError('APIGW.0308', 'The throttling threshold has been reached', requestId);
  if (route !== 'list') return iamError(status, `Emulated status ${status}.`);
  if (status === 401) return dbssError('DBSS.10020100', 'Token authentication failed.');
  if (status === 400) return dbssError('DBSS.10000001', 'Invalid request.');
  if (status === 403) return dbssError('DBSS.10020403', 'Permission denied.', [], 'ZW5jb2RlZA==');
  if (status >= 500) return dbssError('DBSS.11000000', 'Internal error.');
  return dbssError(`DBSS.${status}`, `Emulated status ${status}.`);
}
