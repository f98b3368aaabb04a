export { DbssClient, parseObsList } from './client.js';
export type { DbssAuth, DbssClientOptions, FetchLike, ListObsBucketsParams, ObsBucket } from './client.js';
export {
  DbssError,
  DbssApiError,
  DbssBadRequestError,
  DbssAuthenticationError,
  DbssPermissionError,
  DbssNotFoundError,
  DbssRateLimitError,
  DbssServerError,
  DbssConnectionError,
  DbssTimeoutError,
  DbssAbortError,
  DbssResponseError,
  DbssValidationError,
  DbssConfigError,
  isDbssError,
  isDbssApiError,
} from './errors.js';
export type { DbssErrorCode, DbssErrorDetail, DbssErrorJSON } from './errors.js';
export { DBSS_REGIONS, isDbssRegion, dbssEndpoint, iamEndpoint } from './regions.js';
export type { DbssRegion } from './regions.js';
export { signRequest, sdkUrlEncode, formatSdkDate, SIGNING_ALGORITHM } from './signer.js';
export type { AkSkCredentials, SignableRequest, SignedRequest } from './signer.js';
export { assertProjectId, isValidProjectId } from './validate.js';
export { createRedactor, redactHeaders } from './internal/redact.js';
export { configFromEnv, ENV_LABELS } from './internal/config.js';
export type { Env } from './internal/config.js';
