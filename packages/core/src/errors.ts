// The one error hierarchy of @dbss-obs/core. API errors are built in one place: DbssApiError.generate.
import { type Redactor, redactGeneric } from './internal/redact.js';

/** Stable, documented values of `DbssError.code`. */
export type DbssErrorCode =
  | 'BAD_REQUEST'
  | 'AUTHENTICATION_FAILED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'API_ERROR'
  | 'CONNECTION_ERROR'
  | 'TLS_ERROR'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'INVALID_RESPONSE'
  | 'VALIDATION_ERROR'
  | 'CONFIG_ERROR'
  | 'PROJECT_NOT_FOUND';

export interface DbssErrorDetail {
  readonly errorCode?: string;
  readonly errorMsg?: string;
}

export interface DbssErrorJSON {
  name: string;
  code: DbssErrorCode;
  message: string;
  status?: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
  details?: readonly DbssErrorDetail[];
  field?: string;
  variable?: string;
  file?: string;
  key?: string;
  region?: string;
  timeoutMs?: number;
  retryAfter?: string;
  iamTraceId?: string;
}

const BRAND = Symbol.for('dbss-obs.error');

/** Root of every error the client throws. `code` is stable; never parse `message`. */
export class DbssError extends Error {
  override readonly name: string = 'DbssError';
  readonly code: DbssErrorCode;

  constructor(code: DbssErrorCode, message: string, options?: { cause?: unknown }) {
    super(redactGeneric(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): DbssErrorJSON {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Bad input to a call, found before any I/O. `field` names the offending option. */
export class DbssValidationError extends DbssError {
  override readonly name = 'DbssValidationError';
  readonly field: string | undefined;
  constructor(message: string, options?: { field?: string }) {
    super('VALIDATION_ERROR', message);
    this.field = options?.field;
  }
  override toJSON(): DbssErrorJSON {
    return { ...super.toJSON(), field: this.field };
  }
}

/**
 * Wrong or missing configuration, found before any I/O. `variable` names the environment variable
 * (or option); for a profile file, `file` is its path and `key` the entry that is wrong or missing.
 */
export class DbssConfigError extends DbssError {
  override readonly name = 'DbssConfigError';
  readonly variable: string | undefined;
  readonly file: string | undefined;
  readonly key: string | undefined;
  constructor(message: string, options?: { variable?: string; file?: string; key?: string }) {
    super('CONFIG_ERROR', message);
    this.variable = options?.variable;
    this.file = options?.file;
    this.key = options?.key;
  }
  override toJSON(): DbssErrorJSON {
    return { ...super.toJSON(), variable: this.variable, file: this.file, key: this.key };
  }
}

/**
 * No project id was configured and none is named after `region` for these credentials.
 * Fix: set HUAWEICLOUD_SDK_PROJECT_ID (or the `projectId` option).
 */
export class DbssProjectNotFoundError extends DbssError {
  override readonly name = 'DbssProjectNotFoundError';
  readonly region: string;
  /** `X-IAM-Trace-Id` of the IAM answer that named no such project. */
  readonly iamTraceId: string | undefined;
  constructor(region: string, options?: { cause?: unknown; iamTraceId?: string | undefined }) {
    super(
      'PROJECT_NOT_FOUND',
      `${projectNotFound(region)}; ${PROJECT_ID_HINT}.${options?.iamTraceId ? ` (IAM trace id ${options.iamTraceId})` : ''}`,
      options,
    );
    this.region = region;
    this.iamTraceId = options?.iamTraceId;
  }
  override toJSON(): DbssErrorJSON {
    return { ...super.toJSON(), region: this.region, iamTraceId: this.iamTraceId };
  }
}

/** The one wording of "no project" (the class's message and classifyError's both use it). */
const projectNotFound = (region: string) => `No project named "${region}" is visible to these credentials`;
const PROJECT_ID_HINT = 'set HUAWEICLOUD_SDK_PROJECT_ID (or the projectId option)';

/** No HTTP answer: DNS, refused, reset. `cause` keeps the underlying error. */
export class DbssConnectionError extends DbssError {
  override readonly name: string = 'DbssConnectionError';
  /** The `X-Request-Id` when the answer began and then broke off. */
  readonly requestId: string | undefined;
  constructor(
    message = 'Could not reach DBSS',
    options?: { cause?: unknown; requestId?: string | undefined; code?: 'TLS_ERROR' },
  ) {
    super(options?.code ?? 'CONNECTION_ERROR', message, options);
    this.requestId = options?.requestId;
  }
  override toJSON(): DbssErrorJSON {
    return { ...super.toJSON(), requestId: this.requestId };
  }
}

/**
 * The TLS handshake failed: the server's certificate is not trusted (a private CA, such as the
 * emulator's `--tls`), expired, or for another host. Code `TLS_ERROR`; `tlsCode` is Node's (e.g.
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`). Not retried: the next attempt would meet the same certificate.
 * Remedy for a private CA: start Node with `NODE_EXTRA_CA_CERTS=<ca.pem>`.
 */
export class DbssTlsError extends DbssConnectionError {
  override readonly name = 'DbssTlsError';
  readonly tlsCode: string;
  constructor(origin: string, tlsCode: string, options?: { cause?: unknown }) {
    super(
      `TLS: ${origin} presented a certificate this process does not trust (${tlsCode}). If a private CA signed it (e.g. the emulator's --tls), start Node with NODE_EXTRA_CA_CERTS=<path to the CA's PEM file>.`,
      { ...options, code: 'TLS_ERROR' },
    );
    this.tlsCode = tlsCode;
  }
}

/** An attempt took longer than `timeoutMs`. */
export class DbssTimeoutError extends DbssError {
  override readonly name = 'DbssTimeoutError';
  readonly timeoutMs: number;
  /** The `X-Request-Id` when headers arrived in time but the body did not. */
  readonly requestId: string | undefined;
  constructor(timeoutMs: number, options?: { cause?: unknown; requestId?: string }) {
    super('TIMEOUT', `DBSS did not answer within ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
    this.requestId = options?.requestId;
  }
  override toJSON(): DbssErrorJSON {
    return { ...super.toJSON(), requestId: this.requestId, timeoutMs: this.timeoutMs };
  }
}

/** The caller's `signal` aborted the call. */
export class DbssAbortError extends DbssError {
  override readonly name = 'DbssAbortError';
  constructor(options?: { cause?: unknown }) {
    super('ABORTED', 'The request was aborted', options);
  }
}

export interface ApiErrorInit {
  status: number;
  errorCode?: string;
  errorMsg?: string;
  details?: DbssErrorDetail[];
  encodedAuthorizationMessage?: string;
  requestId?: string;
  /** The parsed body when it was JSON, otherwise undefined. */
  body?: unknown;
  /** The body text (redacted, at most 4 KiB). */
  rawBody?: string;
  /** The `Retry-After` header, when sent. */
  retryAfter?: string;
  /** The `X-IAM-Trace-Id` header (IAM answers). */
  iamTraceId?: string;
}

const MAX_RAW = 4096;

/** DBSS (or its API gateway, or IAM) answered with an error status. */
export class DbssApiError extends DbssError {
  override readonly name: string = 'DbssApiError';
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly errorMsg: string | undefined;
  readonly details: readonly DbssErrorDetail[];
  readonly encodedAuthorizationMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly body: unknown;
  readonly rawBody: string | undefined;
  readonly retryAfter: string | undefined;
  /** `X-IAM-Trace-Id` when IAM gave the answer (discovery, login). */
  readonly iamTraceId: string | undefined;

  constructor(code: DbssErrorCode, init: ApiErrorInit) {
    super(code, DbssApiError.describe(init));
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.errorMsg = init.errorMsg;
    this.details = init.details ?? [];
    this.encodedAuthorizationMessage = init.encodedAuthorizationMessage;
    this.requestId = init.requestId;
    this.body = init.body;
    this.rawBody = init.rawBody;
    this.retryAfter = init.retryAfter;
    this.iamTraceId = init.iamTraceId;
  }

  private static describe(init: ApiErrorInit): string {
    const what = [init.errorCode, init.errorMsg].filter(Boolean).join(': ') || 'no error details in the response';
    const rid =
      (init.requestId ? ` (request id ${init.requestId})` : '') +
      (init.iamTraceId ? ` (IAM trace id ${init.iamTraceId})` : '');
    return `DBSS answered ${init.status}: ${what}${rid}`;
  }

  override toJSON(): DbssErrorJSON {
    return {
      ...super.toJSON(),
      status: this.status,
      errorCode: this.errorCode,
      errorMsg: this.errorMsg,
      requestId: this.requestId,
      details: this.details,
      retryAfter: this.retryAfter,
      iamTraceId: this.iamTraceId,
    };
  }

  /**
   * Builds the error for an error status from the body text and headers. Understands the flat
   * DBSS body, the nested `{"error":{…}}` body, API-gateway `APIGW.*` bodies, Keystone-style IAM
   * bodies and non-JSON bodies. The class follows the status alone.
   */
  static generate(
    status: number,
    text: string,
    headers: { get(name: string): string | null },
    redact: Redactor = redactGeneric,
  ): DbssApiError {
    const rawBody = redact(text.length > MAX_RAW ? `${text.slice(0, MAX_RAW)}…` : text);
    let body: unknown;
    try {
      body = text ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const fields = readErrorFields(body);
    const init: ApiErrorInit = {
      status,
      ...fields,
      errorMsg: fields.errorMsg ?? (body === undefined && rawBody.trim() ? firstLine(rawBody) : undefined),
      requestId: headers.get('x-request-id') ?? fields.requestId,
      body,
      rawBody,
      retryAfter: headers.get('retry-after') ?? undefined,
      iamTraceId: headers.get('x-iam-trace-id') ?? undefined,
    };
    const Kind = classForStatus(status);
    return Kind ? new Kind(init) : new DbssApiError('API_ERROR', init);
  }
}

export class DbssBadRequestError extends DbssApiError {
  override readonly name = 'DbssBadRequestError';
  declare readonly status: 400;
  constructor(init: ApiErrorInit) {
    super('BAD_REQUEST', init);
  }
}
export class DbssAuthenticationError extends DbssApiError {
  override readonly name = 'DbssAuthenticationError';
  declare readonly status: 401;
  constructor(init: ApiErrorInit) {
    super('AUTHENTICATION_FAILED', init);
  }
}
export class DbssPermissionError extends DbssApiError {
  override readonly name = 'DbssPermissionError';
  declare readonly status: 403;
  constructor(init: ApiErrorInit) {
    super('PERMISSION_DENIED', init);
  }
}
export class DbssNotFoundError extends DbssApiError {
  override readonly name = 'DbssNotFoundError';
  declare readonly status: 404;
  constructor(init: ApiErrorInit) {
    super('NOT_FOUND', init);
  }
}
export class DbssRateLimitError extends DbssApiError {
  override readonly name = 'DbssRateLimitError';
  declare readonly status: 429;
  constructor(init: ApiErrorInit) {
    super('RATE_LIMITED', init);
  }
}
export class DbssServerError extends DbssApiError {
  override readonly name = 'DbssServerError';
  constructor(init: ApiErrorInit) {
    super('SERVER_ERROR', init);
  }
}

/** A 2xx whose body is not the documented shape. */
export class DbssResponseError extends DbssError {
  override readonly name = 'DbssResponseError';
  readonly status: number;
  readonly requestId: string | undefined;
  readonly rawBody: string;
  /** `X-IAM-Trace-Id` when IAM gave the answer. */
  readonly iamTraceId: string | undefined;
  constructor(
    message: string,
    init: { status: number; requestId?: string | undefined; rawBody: string; iamTraceId?: string | undefined },
  ) {
    super(
      'INVALID_RESPONSE',
      `${message}${init.requestId ? ` (request id ${init.requestId})` : ''}${init.iamTraceId ? ` (IAM trace id ${init.iamTraceId})` : ''}`,
    );
    this.status = init.status;
    this.requestId = init.requestId;
    this.rawBody = redactGeneric(init.rawBody.slice(0, MAX_RAW));
    this.iamTraceId = init.iamTraceId;
  }
  override toJSON(): DbssErrorJSON {
    return { ...super.toJSON(), status: this.status, requestId: this.requestId, iamTraceId: this.iamTraceId };
  }
}

function classForStatus(status: number): (new (init: ApiErrorInit) => DbssApiError) | undefined {
  if (status === 400) return DbssBadRequestError;
  if (status === 401) return DbssAuthenticationError;
  if (status === 403) return DbssPermissionError;
  if (status === 404) return DbssNotFoundError;
  if (status === 429) return DbssRateLimitError;
  if (status >= 500) return DbssServerError;
  return undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function firstLine(text: string): string {
  const line = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function readErrorFields(body: unknown): Omit<ApiErrorInit, 'status'> {
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  // Older DBSS calls and IAM (Keystone) nest the error: {"error":{"error_code"|"code","error_msg"|"message"}}
  const src = b.error && typeof b.error === 'object' && !('error_code' in b) ? (b.error as Record<string, unknown>) : b;
  const details = Array.isArray(b.details)
    ? b.details
        .filter((d): d is Record<string, unknown> => !!d && typeof d === 'object')
        .map((d) => ({ errorCode: str(d.error_code), errorMsg: str(d.error_msg) }))
    : undefined;
  return {
    errorCode: str(src.error_code) ?? str(src.code),
    errorMsg: str(src.error_msg) ?? str(src.message),
    details,
    encodedAuthorizationMessage: str(b.encoded_authorization_message),
    requestId: str(b.request_id) ?? str(src.request_id),
  };
}

// Guards that work across two copies of this package (they match the brand, then the name).
function guard<T extends DbssError>(names: readonly string[]) {
  return (e: unknown): e is T =>
    !!e &&
    typeof e === 'object' &&
    ((e as Record<symbol, unknown>)[BRAND] === true || (e as Error) instanceof DbssError) &&
    (names.length === 0 || names.includes((e as Error).name));
}
const API_NAMES = [
  'DbssApiError',
  'DbssBadRequestError',
  'DbssAuthenticationError',
  'DbssPermissionError',
  'DbssNotFoundError',
  'DbssRateLimitError',
  'DbssServerError',
];
export const isDbssError = guard<DbssError>([]);
export const isDbssApiError = guard<DbssApiError>(API_NAMES);

/** What DBSS (or IAM, or its API gateway) answered, for a failure that has an answer. */
export interface DbssUpstreamAnswer {
  status: number;
  errorCode: string | undefined;
  errorMsg: string | undefined;
  requestId: string | undefined;
}

/**
 * Any failure as plain data: what every app maps (the gateway's codes, the picker's lines and exit codes)
 * and what the retry policy decides from. It survives JSON and a second copy of this package.
 */
export interface DbssFailure {
  /** Stable: one of DbssErrorCode, or `UNKNOWN` for anything that is not a failure of this client. */
  code: DbssErrorCode | 'UNKNOWN';
  /** Whether the same call may succeed when tried again (429, 5xx, no answer, timeout). */
  retryable: boolean;
  /** A message safe to show: redacted, never a stack; `unexpected failure` for unknown errors. */
  message: string;
  /** The HTTP status of the answer, when there was one. */
  status?: number;
  /** What DBSS answered (error status, or a 2xx that is not the documented shape). */
  upstream?: DbssUpstreamAnswer;
  /** The `X-Request-Id` of the failed attempt, with or without a full answer. */
  requestId?: string;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  retryAfterMs?: number;
  /** How the caller can fix it, when they can (bad input, configuration, an undiscoverable project). */
  hint?: string;
  /** PROJECT_NOT_FOUND: the region whose project was looked for. */
  region?: string;
  /** VALIDATION_ERROR: the option at fault. */
  field?: string;
  /** CONFIG_ERROR: the variable (or option), or the profile file and key, at fault. */
  variable?: string;
  file?: string;
  key?: string;
  /** TIMEOUT: the per-attempt limit that passed. */
  timeoutMs?: number;
  /** The `X-IAM-Trace-Id` of an IAM answer, for IAM's support. */
  iamTraceId?: string;
}

const CODES: ReadonlySet<string> = new Set<DbssErrorCode>([
  'BAD_REQUEST',
  'AUTHENTICATION_FAILED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'RATE_LIMITED',
  'SERVER_ERROR',
  'API_ERROR',
  'CONNECTION_ERROR',
  'TIMEOUT',
  'ABORTED',
  'INVALID_RESPONSE',
  'VALIDATION_ERROR',
  'CONFIG_ERROR',
  'PROJECT_NOT_FOUND',
  'TLS_ERROR',
]);
/** Worth another attempt: throttled, failing on DBSS's side, or no answer at all (not an untrusted certificate). */
const RETRYABLE: ReadonlySet<string> = new Set(['RATE_LIMITED', 'SERVER_ERROR', 'CONNECTION_ERROR', 'TIMEOUT']);

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * THE classification of a failure, read from the literal `name` and `code` fields and the data fields
 * (the way ky's type guards match), never from `instanceof` or the message: an error from a second copy
 * of this package, or one that went through JSON (`toJSON()`), classifies the same.
 */
export function classifyError(err: unknown): DbssFailure {
  const e = err !== null && typeof err === 'object' ? (err as Record<string, unknown>) : undefined;
  const name = text(e?.name);
  const code = text(e?.code);
  if (!e || !name?.startsWith('Dbss') || !code || !CODES.has(code)) {
    return { code: 'UNKNOWN', retryable: false, message: 'unexpected failure' };
  }
  const c = code as DbssErrorCode;
  const out: DbssFailure = { code: c, retryable: RETRYABLE.has(c), message: redactGeneric(text(e.message) ?? c) };
  const status = num(e.status);
  const requestId = text(e.requestId);
  if (requestId !== undefined) out.requestId = requestId;
  if (status !== undefined) {
    out.status = status;
    out.upstream = { status, errorCode: text(e.errorCode), errorMsg: text(e.errorMsg), requestId };
  }
  const iamTraceId = text(e.iamTraceId);
  if (iamTraceId !== undefined) out.iamTraceId = iamTraceId;
  const retryAfterMs = retryAfterToMs(text(e.retryAfter));
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  if (c === 'PROJECT_NOT_FOUND') {
    const region = text(e.region) ?? '';
    out.region = region;
    out.message = projectNotFound(region);
    out.hint = PROJECT_ID_HINT;
  } else if (c === 'VALIDATION_ERROR' || c === 'CONFIG_ERROR') {
    for (const k of ['field', 'variable', 'file', 'key'] as const) {
      const v = text(e[k]);
      if (v !== undefined) out[k] = v;
    }
  } else if (c === 'TIMEOUT') {
    const timeoutMs = num(e.timeoutMs);
    if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  }
  return out;
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
function retryAfterToMs(h: string | undefined): number | undefined {
  if (h === undefined) return undefined;
  const secs = Number(h);
  if (h.trim() !== '' && Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(h);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
