// Deterministic data: the demo projects and their names, a realistic demo dozen of buckets, N generated
// buckets from a seed, or a fixture file.
import { readFileSync } from 'node:fs';

export interface WireBucket {
  bucket_name: string;
  location: string;
}

export const DEMO_PROJECT_ID = '0b5c7f9e2a4d4e6f8a1b3c5d7e9f0a12';
export const EMPTY_PROJECT_ID = '5e6f7a8b9c0d41e2a3b4c5d6e7f80912';
export const FORBIDDEN_PROJECT_ID = '9f8e7d6c5b4a49382716afbecd0a1b2c';

/** The IAM domain (account) that owns every emulated project. */
export const DEMO_DOMAIN_ID = 'd3a0c2f1b4e5467890abcdef12345678';
export const DEMO_DOMAIN_NAME = 'demo-domain';
/** The region whose project holds the demo buckets: discovery by this name finds DEMO_PROJECT_ID. */
export const DEMO_REGION = 'cn-north-4';

/**
 * Project names IAM knows for the demo projects. Huawei names a project after its region, and project
 * discovery (`GET /v3/projects?name={region}`) relies on it, so each demo project is a region here.
 */
export const PROJECT_NAMES: Readonly<Record<string, string>> = {
  [DEMO_PROJECT_ID]: DEMO_REGION,
  [EMPTY_PROJECT_ID]: 'cn-south-1',
  [FORBIDDEN_PROJECT_ID]: 'cn-east-3',
};

export const DEMO_BUCKETS: readonly WireBucket[] = [
  { bucket_name: 'dbss-audit-backup-prod', location: 'cn-north-4' },
  { bucket_name: 'dbss-risk-export', location: 'cn-north-4' },
  { bucket_name: 'finance-db-audit-logs', location: 'cn-north-4' },
  { bucket_name: 'audit-archive-legacy', location: 'cn-north-7' },
  { bucket_name: 'sh-dbss-backup', location: 'cn-east-3' },
  { bucket_name: 'sh-risk-reports-2026', location: 'cn-east-3' },
  { bucket_name: 'hk-audit-logs', location: 'ap-southeast-1' },
  { bucket_name: 'hk-compliance-export', location: 'ap-southeast-1' },
  { bucket_name: 'sg-dbss-audit', location: 'ap-southeast-3' },
  { bucket_name: 'eu-gdpr-audit-archive', location: 'eu-west-101' },
  { bucket_name: 'latam-db-audit', location: 'la-south-2' },
  { bucket_name: 'jnb-dbss-backup', location: 'af-south-1' },
];

const LOCATIONS = [
  'cn-north-4',
  'cn-north-7',
  'cn-north-9',
  'cn-east-3',
  'cn-east-2',
  'cn-south-1',
  'cn-southwest-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'af-south-1',
  'la-south-2',
  'la-north-2',
  'sa-brazil-1',
  'me-east-1',
  'tr-west-1',
  'eu-west-101',
  'ru-moscow-1',
];
const TEAMS = [
  'finance',
  'payments',
  'crm',
  'hr',
  'ops',
  'risk',
  'retail',
  'iot',
  'billing',
  'identity',
  'search',
  'ledger',
];
const KINDS = ['audit-backup', 'audit-logs', 'risk-export', 'db-archive', 'compliance', 'sql-trail'];
const ENVS = ['prod', 'staging', 'dev', 'dr', 'test'];

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MAX_BUCKETS = 100_000;

/** `count` distinct buckets, the same for the same seed. */
export function generateBuckets(count: number, seed = 1): WireBucket[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_BUCKETS) {
    throw new RangeError(`buckets must be a whole number from 0 to ${MAX_BUCKETS} (got ${count})`);
  }
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const out: WireBucket[] = new Array(count);
  for (let i = 0; i < count; i++) {
    // The index suffix keeps names unique; OBS names are 3-63 lower-case letters, digits, '-' and '.'.
    out[i] = {
      bucket_name: `${pick(TEAMS)}-${pick(KINDS)}-${pick(ENVS)}-${i.toString(36).padStart(4, '0')}`,
      location: pick(LOCATIONS),
    };
  }
  return out;
}

/** Buckets per project from a fixture file: `{"obs_list":[…]}` (demo project) or `{"projects":{"<id>":{"obs_list":[…]}}}`. */
export function loadFixture(file: string): Map<string, WireBucket[]> {
  let parsed: { obs_list?: WireBucket[]; projects?: Record<string, { obs_list?: WireBucket[] }> };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not JSON (${(err as Error).message})`;
    throw new Error(`fixture ${file} ${why}`);
  }
  const out = new Map<string, WireBucket[]>();
  if (parsed.obs_list) out.set(DEMO_PROJECT_ID, parsed.obs_list);
  for (const [id, p] of Object.entries(parsed.projects ?? {})) out.set(id, p.obs_list ?? []);
  if (out.size === 0) throw new Error(`fixture ${file} has neither "obs_list" nor "projects"`);
  return out;
}
