export { type BannerOptions, banner } from './banner.js';
export type { WireBucket } from './data.js';
export {
  DEMO_BUCKETS,
  DEMO_DOMAIN_ID,
  DEMO_DOMAIN_NAME,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  EMPTY_PROJECT_ID,
  FORBIDDEN_PROJECT_ID,
  generateBuckets,
  MAX_BUCKETS,
  PROJECT_NAMES,
} from './data.js';
export type {
  Emulator,
  EmulatorOptions,
  EmulatorUser,
  Fault,
  FaultMatch,
  Principal,
  RecordedRequest,
  TemporaryCredential,
} from './emulator.js';
export {
  DEFAULT_TEMP_CREDENTIAL_TTL_MS,
  DEMO_AK,
  DEMO_SK,
  DEMO_TOKEN,
  DEMO_USER,
  startEmulator,
  tokenFingerprint,
} from './emulator.js';
export { IAM_PATHS } from './routes/iam.js';
export { METADATA_PATHS } from './routes/metadata.js';
