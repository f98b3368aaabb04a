// How a failure is shown (one line, or the picker's error state) and which exit code it means.
import {
  DbssAuthenticationError,
  DbssConfigError,
  DbssPermissionError,
  DbssValidationError,
  isDbssApiError,
  isDbssError,
} from '@dbss-obs/core';
import type { PickerError } from './state.js';

export const EXIT = { chosen: 0, nothing: 1, usage: 2, auth: 3, upstream: 4, cancelled: 130 } as const;

export interface DescribedError extends PickerError {
  exitCode: number;
  /** Retrying cannot help (bad credentials, bad input). */
  final: boolean;
}

export function describeError(err: unknown): DescribedError {
  if (err instanceof DbssValidationError || err instanceof DbssConfigError) {
    return { code: err.code, message: err.message, exitCode: EXIT.usage, final: true };
  }
  if (isDbssApiError(err)) {
    const auth = err instanceof DbssAuthenticationError || err instanceof DbssPermissionError;
    return {
      code: err.errorCode ?? err.code,
      message: `${err.errorMsg ?? 'no error message'} (HTTP ${err.status})`,
      requestId: err.requestId,
      exitCode: auth ? EXIT.auth : EXIT.upstream,
      final: auth,
    };
  }
  if (isDbssError(err)) {
    const requestId = (err as { requestId?: string }).requestId;
    return {
      code: err.code,
      message: err.message.replace(/ \(request id [^)]*\)$/, ''),
      requestId,
      exitCode: EXIT.upstream,
      final: false,
    };
  }
  return { code: 'INTERNAL', message: 'unexpected failure', exitCode: EXIT.upstream, final: false };
}

/** `obs-pick: CODE message (request id …)`: one line, never a stack trace. */
export function errorLine(e: PickerError): string {
  return `obs-pick: ${e.code} ${e.message}${e.requestId ? ` (request id ${e.requestId})` : ''}`;
}
