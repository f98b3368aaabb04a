import { DbssConfigError, DbssValidationError } from './errors.js';

/**
 * DBSS documents project ids as 32-64 characters (Huawei issues them as hex). Letters and
 * digits only: anything else could change the request path, so it never reaches the wire.
 */
const PROJECT_ID = /^[0-9A-Za-z]{32,64}$/;

export function isValidProjectId(value: unknown): value is string {
  return typeof value === 'string' && PROJECT_ID.test(value);
}

/** Throws `DbssValidationError` (field `projectId`) unless the id can be sent as is. */
export function assertProjectId(value: unknown, field = 'projectId'): asserts value is string {
  if (isValidProjectId(value)) return;
  const why =
    typeof value !== 'string' || value.length === 0
      ? 'is missing'
      : value.length < 32 || value.length > 64
        ? `has ${value.length} characters; it needs 32 to 64`
        : 'may contain only letters and digits';
  throw new DbssValidationError(
    `${field} ${why}. Use the project id from the IAM console (My Credentials > Projects), e.g. 0b5c7f9e2a4d4e6f8a1b3c5d7e9f0a12.`,
    { field },
  );
}

/** `value` as an http:// or https:// URL, or undefined when it is not one. */
export function httpUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

/** The one check of a configured base URL: http(s), no credentials in it; `label` names where it came from. The value is never echoed (it may hold a password). */
export function parseHttpUrl(value: string, label: string): URL {
  const url = httpUrl(value);
  const fail = (why: string): never => {
    throw new DbssConfigError(`${label} ${why}`, { variable: label });
  };
  if (!url) return fail('is not an http:// or https:// URL; set it to e.g. http://127.0.0.1:8443.');
  if (url.username || url.password) fail('must not contain credentials.');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}
