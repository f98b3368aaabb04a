// How a failure is shown (one line, or the picker's error state) and which exit code it means.
// Everything is read from core's error fields (code, status, errorCode, errorMsg, requestId); a message is only displayed.
import {
  DbssAuthenticationError,
  DbssConfigError,
  DbssPermissionError,
  DbssProjectNotFoundError,
  DbssResponseError,
  DbssTimeoutError,
  DbssValidationError,
  isDbssApiError,
  isDbssError,
} from '@dbss-obs/core';
import type { PickerError } from './state.js';

export const EXIT = { chosen: 0, nothing: 1, usage: 2, auth: 3, upstream: 4, cancelled: 130 } as const;

const USAGE_CODES: ReadonlySet<string> = new Set(['VALIDATION_ERROR', 'CONFIG_ERROR', 'PROJECT_NOT_FOUND']);

/** The exit code an error means, from its fields: 2 bad input or configuration, 3 refused (401/403), else 4. */
export function exitCodeOf(e: PickerError): number {
  if (USAGE_CODES.has(e.code)) return EXIT.usage;
  if (e.status === 401 || e.status === 403) return EXIT.auth;
  return EXIT.upstream;
}

/** Core's error as data for the picker and the one-line report. */
export function describeError(err: unknown): PickerError {
  if (err instanceof DbssProjectNotFoundError) {
    return {
      code: err.code,
      message: `no project named after region ${err.region} for these credentials; set HUAWEICLOUD_SDK_PROJECT_ID or pass --project-id`,
      final: true,
    };
  }
  if (err instanceof DbssValidationError || err instanceof DbssConfigError) {
    return { code: err.code, message: err.message, final: true };
  }
  if (isDbssApiError(err)) {
    const auth = err instanceof DbssAuthenticationError || err instanceof DbssPermissionError;
    return {
      code: err.errorCode ?? err.code,
      message: `${err.errorMsg ?? 'no error message'} (HTTP ${err.status})`,
      status: err.status,
      requestId: err.requestId,
      final: auth,
    };
  }
  if (err instanceof DbssResponseError) {
    return {
      code: err.code,
      message: `DBSS answered HTTP ${err.status} with a body that is not the documented shape`,
      status: err.status,
      requestId: err.requestId,
      final: false,
    };
  }
  if (err instanceof DbssTimeoutError) {
    return {
      code: err.code,
      message: `no answer within ${err.timeoutMs} ms`,
      requestId: err.requestId,
      final: false,
    };
  }
  if (isDbssError(err)) {
    const requestId = (err as { requestId?: string }).requestId;
    return { code: err.code, message: err.message, requestId, final: false };
  }
  return { code: 'INTERNAL', message: 'unexpected failure', final: false };
}

/** `obs-pick: CODE message (request id …)`: one line, never a stack trace. */
export function errorLine(e: PickerError): string {
  return `obs-pick: ${e.code} ${e.message}${e.requestId ? ` (request id ${e.requestId})` : ''}`;
}
