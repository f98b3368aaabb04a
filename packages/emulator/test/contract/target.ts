// Where the contract suite runs: the emulator (default), or real Huawei Cloud with
// DBSS_CONTRACT_TARGET=cloud and real credentials from the environment.
import {
  DEMO_AK,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  DEMO_SK,
  DEMO_TOKEN,
  FORBIDDEN_PROJECT_ID,
  startEmulator,
} from '../../src/index.js';
import type { SigningKey } from '../support/sign.js';

export interface ContractTarget {
  kind: 'emulator' | 'cloud';
  /** DBSS base URL. */
  endpoint: string;
  /** IAM base URL. */
  iamEndpoint: string;
  region: string;
  projectId: string;
  /** The signing key: permanent, or temporary with its security token. */
  key: SigningKey;
  /** A temporary key with its security token, when the target has one. */
  temporaryKey?: SigningKey;
  /** An IAM token for the project, when the target has one. */
  token?: string;
  /** A project the credentials may not read, when the target names one. */
  forbiddenProjectId?: string;
  /**
   * The ECS metadata service, when the target has one (the cloud only from inside an ECS:
   * DBSS_CONTRACT_METADATA_ENDPOINT), and whether it requires metadata v2 session tokens.
   */
  metadata?: { endpoint: string; tokenRequired: boolean; maxCredentialTtlMs: number };
  /** An HTTPS endpoint whose certificate the suite checks, and the CA to trust it with (undefined: the system's). */
  tls?: { url: string; ca: string | undefined };
  close(): Promise<void>;
}

const REQUIRED = [
  'HUAWEICLOUD_SDK_REGION',
  'HUAWEICLOUD_SDK_AK',
  'HUAWEICLOUD_SDK_SK',
  'HUAWEICLOUD_SDK_PROJECT_ID',
] as const;
const OPTIONAL =
  'optional: HUAWEICLOUD_SDK_SECURITY_TOKEN, HUAWEICLOUD_AUTH_TOKEN, DBSS_ENDPOINT, HUAWEICLOUD_SDK_IAM_ENDPOINT, DBSS_CONTRACT_FORBIDDEN_PROJECT_ID, DBSS_CONTRACT_METADATA_ENDPOINT (+ DBSS_CONTRACT_METADATA_TOKEN_REQUIRED=1) on an ECS';
/** The longest temporary credential Huawei issues (IAM: 15 min to 24 h). */
const DAY_MS = 24 * 60 * 60 * 1000;

export type TargetChoice =
  | { kind: 'emulator' }
  | { kind: 'cloud'; env: NodeJS.ProcessEnv }
  /** Cloud was asked for but is not configured: `reason` is the one line to print. */
  | { kind: 'skip'; reason: string }
  /** DBSS_CONTRACT_TARGET names no target (a typo): the suite fails with `reason` rather than skip. */
  | { kind: 'invalid'; reason: string };

export function chooseTarget(env: NodeJS.ProcessEnv): TargetChoice {
  const wanted = env.DBSS_CONTRACT_TARGET ?? 'emulator';
  if (wanted === 'emulator') return { kind: 'emulator' };
  if (wanted !== 'cloud') {
    return { kind: 'invalid', reason: `DBSS_CONTRACT_TARGET must be "emulator" or "cloud" (got "${wanted}")` };
  }
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    return {
      kind: 'skip',
      reason: `contract suite against Huawei Cloud skipped: set ${missing.join(', ')} (${OPTIONAL})`,
    };
  }
  return { kind: 'cloud', env };
}

/** A target the suite can open. */
export type OpenableTarget = Exclude<TargetChoice, { kind: 'skip' | 'invalid' }>;

export async function openTarget(choice: OpenableTarget): Promise<ContractTarget> {
  if (choice.kind === 'emulator') {
    // Metadata v2 required: the hardened ECS setting, where both token rules can be checked.
    const emu = await startEmulator({ metadataToken: 'required' });
    const secure = await startEmulator({ tls: true });
    const t = emu.issueTemporaryCredential();
    return {
      kind: 'emulator',
      endpoint: emu.url,
      iamEndpoint: emu.url,
      region: DEMO_REGION,
      projectId: DEMO_PROJECT_ID,
      key: { ak: DEMO_AK, sk: DEMO_SK },
      temporaryKey: { ak: t.access, sk: t.secret, securityToken: t.securitytoken },
      token: DEMO_TOKEN,
      forbiddenProjectId: FORBIDDEN_PROJECT_ID,
      metadata: { endpoint: emu.url, tokenRequired: true, maxCredentialTtlMs: DAY_MS },
      tls: { url: secure.url, ca: secure.tls?.ca },
      close: async () => {
        await emu.close();
        await secure.close();
      },
    };
  }
  const env = choice.env;
  const region = env.HUAWEICLOUD_SDK_REGION as string;
  const key: SigningKey = {
    ak: env.HUAWEICLOUD_SDK_AK as string,
    sk: env.HUAWEICLOUD_SDK_SK as string,
    securityToken: env.HUAWEICLOUD_SDK_SECURITY_TOKEN || undefined,
  };
  const endpoint = (env.DBSS_ENDPOINT || `https://dbss.${region}.myhuaweicloud.com`).replace(/\/+$/, '');
  return {
    kind: 'cloud',
    endpoint,
    iamEndpoint: (env.HUAWEICLOUD_SDK_IAM_ENDPOINT || `https://iam.${region}.myhuaweicloud.com`).replace(/\/+$/, ''),
    region,
    projectId: env.HUAWEICLOUD_SDK_PROJECT_ID as string,
    key,
    temporaryKey: key.securityToken ? key : undefined,
    token: env.HUAWEICLOUD_AUTH_TOKEN || undefined,
    forbiddenProjectId: env.DBSS_CONTRACT_FORBIDDEN_PROJECT_ID || undefined,
    metadata: env.DBSS_CONTRACT_METADATA_ENDPOINT
      ? {
          endpoint: env.DBSS_CONTRACT_METADATA_ENDPOINT.replace(/\/+$/, ''),
          tokenRequired: env.DBSS_CONTRACT_METADATA_TOKEN_REQUIRED === '1',
          maxCredentialTtlMs: DAY_MS,
        }
      : undefined,
    tls: { url: endpoint, ca: undefined },
    close: async () => {},
  };
}
