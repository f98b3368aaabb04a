export type { WireBucket } from './data.js';
export {
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
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
} from './emulator.js';
export {
  DEMO_AK,
  DEMO_SK,
  DEMO_TOKEN,
  DEMO_USER,
  startEmulator,
  tokenFingerprint,
} from './emulator.js';
