export type {
  DbssAttempt,
  DbssClientDescription,
  DbssClientOptions,
  DbssLogger,
  FetchLike,
  ListObsBucketsParams,
  ObsBucket,
} from './client.js';
export { DbssClient, parseObsList } from './client.js';
export type { ConfigInput, DbssProxyOptions, EnvConfig } from './config.js';
export {
  configFromEnv,
  ENV_LABELS,
  proxyFromEnv,
  regionEndpointFromEnv,
  regionEndpointVariable,
  resolveEndpoint,
} from './config.js';
export type { DbssAuth, DbssCredentialSource, Env, ProfileCredentials, ResolvedCredentials } from './credentials.js';
export {
  ECS_METADATA_ENDPOINT,
  metadataEndpointFromEnv,
  parseProfile,
  profilePath,
  readProfile,
  resolveCredentials,
} from './credentials.js';
export type { DbssErrorCode, DbssErrorDetail, DbssErrorJSON, DbssFailure, DbssUpstreamAnswer } from './errors.js';
export {
  classifyError,
  DbssAbortError,
  DbssApiError,
  DbssAuthenticationError,
  DbssBadRequestError,
  DbssConfigError,
  DbssConnectionError,
  DbssError,
  DbssNotFoundError,
  DbssPermissionError,
  DbssProjectNotFoundError,
  DbssRateLimitError,
  DbssResponseError,
  DbssServerError,
  DbssTimeoutError,
  DbssTlsError,
  DbssValidationError,
  isDbssApiError,
  isDbssError,
} from './errors.js';
export { createRedactor } from './internal/redact.js';
export type { DbssRegion } from './regions.js';
export { DBSS_REGIONS, dbssEndpoint, iamEndpoint, isDbssRegion } from './regions.js';
export type { AkSkCredentials, SignableRequest, SignedRequest } from './signer.js';
export { formatSdkDate, SIGNING_ALGORITHM, sdkUrlEncode, signRequest } from './signer.js';
export { assertProjectId, isValidProjectId, parseHttpUrl } from './validate.js';
