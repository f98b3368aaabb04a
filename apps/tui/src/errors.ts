// How a failure is shown (one line, or the picker's error state) and which exit code it means.
// Everything is read from core's error fields (code, status, errorCode, errorMsg, requestId); a message is only displayed.
import { classifyError } from '@dbss-obs/core';
import type { PickerError } from './state.js';

export const EXIT = { chosen: 0, nothing: 1, usage: 2, auth: 3, upstream: 4, cancelled: 130 } as const;

const USAGE_CODES: ReadonlySet<string> = new Set(['VALIDATION_ERROR', 'CONFIG_ERROR', 'PROJECT_NOT_FOUND']);

/** The exit code an error means, from its fields: 2 bad input or configuration, 3 refused (401/403), else 4. */
export function exitCodeOf(e: PickerError): number {
  if (USAGE_CODES.has(e.code)) return EXIT.usage;
  if (e.status === 401 || e.status === 403) return EXIT.auth;
  return EXIT.upstream;
}

/** Core's classification of an error (classifyError: from its fields, never its class) as the picker shows it. */
export function describeError(err: unknown): PickerError {
  const f = classifyError(err);
  const u = f.upstream;
  switch (f.code) {
    case 'UNKNOWN':
      return { code: 'INTERNAL', message: f.message, final: false };
    case 'PROJECT_NOT_FOUND':
      // Core's message says what is missing; the picker's fix adds its flag.
      return { code: f.code, message: `${f.message}; pass --project-id or ${f.hint}`, final: true };
    case 'VALIDATION_ERROR':
    case 'CONFIG_ERROR':
      return { code: f.code, message: f.message, final: true };
    case 'INVALID_RESPONSE':
      return {
        code: f.code,
        message: `DBSS answered HTTP ${f.status} with a body that is not the documented shape`,
        status: f.status,
        requestId: f.requestId,
        final: false,
      };
    case 'TIMEOUT':
      return { code: f.code, message: `no answer within ${f.timeoutMs} ms`, requestId: f.requestId, final: false };
  }
  if (u) {
    // DBSS answered with an error: its own code and message; a refused credential will not change on retry.
    return {
      code: u.errorCode ?? f.code,
      message: `${u.errorMsg ?? 'no error message'} (HTTP ${u.status})`,
      status: u.status,
      requestId: u.requestId,
      final: f.code === 'AUTHENTICATION_FAILED' || f.code === 'PERMISSION_DENIED',
    };
  }
  return { code: f.code, message: f.message, requestId: f.requestId, final: false };
}

/** `obs-pick: CODE message (request id …)`: one line, never a stack trace. */
export function errorLine(e: PickerError): string {
  return `obs-pick: ${e.code} ${e.message}${e.requestId ? ` (request id ${e.requestId})` : ''}`;
}
