export {
  startEmulator,
  tokenFingerprint,
  DEMO_TOKEN,
  DEMO_AK,
  DEMO_SK,
  DEMO_USER,
} from './emulator.js';
export type { Emulator, EmulatorOptions, EmulatorUser, Fault, FaultMatch, Principal, RecordedRequest } from './emulator.js';
export {
  DEMO_PROJECT_ID,
  EMPTY_PROJECT_ID,
  FORBIDDEN_PROJECT_ID,
  PROJECT_NAMES,
  DEMO_BUCKETS,
  MAX_BUCKETS,
  generateBuckets,
} from './data.js';
export type { WireBucket } from './data.js';
