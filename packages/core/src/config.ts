// Client configuration: options checked before any I/O, and the environment read at the edge
// (fromEnv). Messages name the option, or the environment variable when the value came from one.
import {
  type DbssAuth,
  type DbssCredentialSource,
  ECS_METADATA_ENDPOINT,
  type Env,
  resolveCredentials,
} from './credentials.js';
import { DbssConfigError } from './errors.js';
import { DBSS_REGIONS, type DbssRegion, dbssEndpoint, iamEndpoint, isDbssRegion } from './regions.js';
import { httpUrl, isValidProjectId, parseHttpUrl } from './validate.js';

export type { DbssAuth, Env };

/** Settings as read from options or the environment, before they are checked. */
export interface ConfigInput {
  region?: string | undefined;
  endpoint?: string | undefined;
  auth?: DbssAuth | undefined;
  projectId?: string | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  iamEndpoint?: string | undefined;
}

/** HTTP(S) proxy settings, as `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` give them. */
export interface DbssProxyOptions {
  /** Proxy for http:// URLs. @default undefined (direct) */
  httpProxy?: string | undefined;
  /** Proxy for https:// URLs. @default httpProxy */
  httpsProxy?: string | undefined;
  /** Comma-separated hosts (`host`, `.suffix`, `host:port`, `*`) reached directly. @default undefined */
  noProxy?: string | undefined;
}

/** What configFromEnv read: the settings, and where the credentials and project id came from. */
export interface EnvConfig extends ConfigInput {
  proxy: DbssProxyOptions;
  credentialSource?: DbssCredentialSource | undefined;
  /** Variable names or a file path (never a value) the credentials came from. */
  credentialOrigin?: string | undefined;
  projectIdSource?: 'env' | 'profile' | undefined;
}

export interface ResolvedConfig {
  region: DbssRegion | undefined;
  baseUrl: URL;
  auth: DbssAuth;
  iamEndpoint: string | undefined;
  /** The metadata service base URL, for `ecs-metadata` auth. */
  metadataEndpoint: string | undefined;
  projectId: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

/** Which name to print for each setting. */
export type ConfigLabels = Record<
  | 'region'
  | 'endpoint'
  | 'auth'
  | 'token'
  | 'ak'
  | 'sk'
  | 'user'
  | 'password'
  | 'domain'
  | 'iamEndpoint'
  | 'metadataEndpoint'
  | 'projectId'
  | 'timeoutMs'
  | 'maxRetries',
  string
>;

export const OPTION_LABELS: ConfigLabels = {
  region: 'options.region',
  endpoint: 'options.endpoint',
  auth: 'options.auth',
  token: 'options.auth.token',
  ak: 'options.auth.ak',
  sk: 'options.auth.sk',
  user: 'options.auth.user',
  password: 'options.auth.password',
  domain: 'options.auth.domain',
  iamEndpoint: 'options.iamEndpoint',
  metadataEndpoint: 'options.auth.endpoint',
  projectId: 'options.projectId',
  timeoutMs: 'options.timeoutMs',
  maxRetries: 'options.maxRetries',
};

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RETRIES = 2;

function fail(label: string, message: string): never {
  throw new DbssConfigError(`${label} ${message}`, { variable: label });
}

function required(value: string | undefined, label: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(label, 'is required and must not be empty.');
  return value;
}

/**
 * Checks a region and an endpoint override, either of which may be absent; `labels` name where
 * each value came from (option, environment variable or flag). The one place these are checked.
 */
export function resolveEndpoint(
  input: { region?: string; endpoint?: string },
  labels: Pick<ConfigLabels, 'region' | 'endpoint'> = OPTION_LABELS,
): { region: DbssRegion | undefined; baseUrl: URL | undefined } {
  let region: DbssRegion | undefined;
  if (input.region !== undefined && input.region !== '') {
    if (!isDbssRegion(input.region)) {
      fail(labels.region, `"${input.region}" is not a DBSS region. Valid regions: ${DBSS_REGIONS.join(', ')}.`);
    }
    region = input.region;
  }
  const baseUrl = input.endpoint
    ? parseHttpUrl(input.endpoint, labels.endpoint)
    : region
      ? new URL(`${dbssEndpoint(region)}/`)
      : undefined;
  return { region, baseUrl };
}

export function resolveConfig(input: ConfigInput, labels: ConfigLabels = OPTION_LABELS): ResolvedConfig {
  const { region, baseUrl } = resolveEndpoint(input, labels);
  if (!baseUrl) {
    fail(labels.region, `or ${labels.endpoint} is required: set a region such as cn-north-4, or an endpoint URL.`);
  }

  const auth = input.auth;
  let metadata: string | undefined;
  if (!auth || typeof auth !== 'object') {
    fail(labels.auth, 'is required: give an IAM token, an AK/SK pair, or an IAM user name, password and domain.');
  }
  switch (auth.type) {
    case 'token':
      required(auth.token, labels.token);
      break;
    case 'aksk':
      required(auth.ak, labels.ak);
      required(auth.sk, labels.sk);
      break;
    case 'password': {
      required(auth.user, labels.user);
      required(auth.password, labels.password);
      required(auth.domain, labels.domain);
      break;
    }
    case 'ecs-metadata':
      metadata = parseHttpUrl(auth.endpoint ?? ECS_METADATA_ENDPOINT, labels.metadataEndpoint).href;
      break;
    default:
      fail(labels.auth, `has an unknown type; use "token", "aksk", "password" or "ecs-metadata".`);
  }
  const iamRaw = (auth.type === 'password' ? auth.iamEndpoint : undefined) || input.iamEndpoint;
  // IAM receives credentials (a password, a token, a signed request): only a configured IAM, or the
  // region's official IAM when DBSS itself is the region's official host. Never a guessed host.
  let iam: string | undefined;
  if (iamRaw) iam = parseHttpUrl(iamRaw, labels.iamEndpoint).href;
  else if (region && baseUrl.href === `${dbssEndpoint(region)}/`) iam = `${iamEndpoint(region)}/`;
  else if (auth.type === 'password') {
    fail(
      labels.iamEndpoint,
      region
        ? `is required for password login when DBSS is not the region's official host (${labels.endpoint} or ${regionEndpointVariable(region)} is set): the password is sent only to an IAM you name.`
        : `is required for password login when ${labels.endpoint} is set without a region.`,
    );
  }

  if (input.projectId !== undefined && input.projectId !== '' && !isValidProjectId(input.projectId)) {
    fail(labels.projectId, 'must be 32 to 64 letters and digits (the project id from the IAM console).');
  }
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 600_000) {
    fail(labels.timeoutMs, `must be a whole number of milliseconds from 1 to 600000 (got ${String(input.timeoutMs)}).`);
  }
  const maxRetries = input.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10) {
    fail(labels.maxRetries, `must be a whole number from 0 to 10 (got ${String(input.maxRetries)}).`);
  }
  return {
    region,
    baseUrl,
    auth,
    iamEndpoint: iam,
    metadataEndpoint: metadata,
    projectId: input.projectId || undefined,
    timeoutMs,
    maxRetries,
  };
}

export const ENV_LABELS: ConfigLabels = {
  region: 'HUAWEICLOUD_SDK_REGION',
  endpoint: 'DBSS_ENDPOINT',
  auth: 'HUAWEICLOUD_AUTH_TOKEN (or HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK, or HUAWEICLOUD_IAM_USER + HUAWEICLOUD_IAM_PASSWORD + HUAWEICLOUD_IAM_DOMAIN, or a [basic] section in ~/.huaweicloud/credentials / HUAWEICLOUD_SDK_CREDENTIALS_FILE, or DBSS_USE_ECS_METADATA=1 on an ECS)',
  token: 'HUAWEICLOUD_AUTH_TOKEN',
  ak: 'HUAWEICLOUD_SDK_AK',
  sk: 'HUAWEICLOUD_SDK_SK',
  user: 'HUAWEICLOUD_IAM_USER',
  password: 'HUAWEICLOUD_IAM_PASSWORD',
  domain: 'HUAWEICLOUD_IAM_DOMAIN',
  iamEndpoint: 'HUAWEICLOUD_SDK_IAM_ENDPOINT',
  metadataEndpoint: 'DBSS_METADATA_ENDPOINT',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
  timeoutMs: 'DBSS_TIMEOUT_MS',
  maxRetries: 'DBSS_MAX_RETRIES',
};

/**
 * The official SDKs' region-provider variable for DBSS in `region`: `HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4`
 * for cn-north-4 (upper-cased, `-` → `_`).
 */
export function regionEndpointVariable(region: string): string {
  return `HUAWEICLOUD_SDK_REGION_DBSS_${region.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * DBSS's base URL for `region` from `HUAWEICLOUD_SDK_REGION_DBSS_<REGION>` (as the official SDKs' region
 * provider reads it), checked; undefined when unset. A wrong value fails naming the variable.
 */
export function regionEndpointFromEnv(env: Env, region: string): string | undefined {
  const name = regionEndpointVariable(region);
  // The SDKs accept a comma-separated list (failover); the first is the one we call.
  const raw = env[name]?.split(',')[0]?.trim();
  return raw ? parseHttpUrl(raw, name).href : undefined;
}

function intVar(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw)) fail(name, `must be a whole number (got "${raw.slice(0, 40)}").`);
  return Number(raw);
}

function proxyVar(env: Env, upper: string): string | undefined {
  const raw = (env[upper] ?? env[upper.toLowerCase()])?.trim();
  if (!raw) return undefined;
  // The value may hold proxy credentials: never echoed.
  if (!httpUrl(raw)) fail(upper, 'must be a proxy URL such as http://proxy.example.com:3128.');
  return raw;
}

/**
 * Reads `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (or their lower-case forms) from `env`.
 * `HTTPS_PROXY` defaults to `HTTP_PROXY`, as curl and undici do.
 */
export function proxyFromEnv(env: Env): DbssProxyOptions {
  const httpProxy = proxyVar(env, 'HTTP_PROXY');
  const httpsProxy = proxyVar(env, 'HTTPS_PROXY') ?? httpProxy;
  const noProxy = (env.NO_PROXY ?? env.no_proxy)?.trim() || undefined;
  return { httpProxy, httpsProxy, noProxy };
}

/**
 * Reads the DESIGN.md variables and walks the credential chain (see `resolveCredentials`):
 * token, AK/SK, IAM password, profile file, ECS metadata (when enabled). `auth` given as an
 * option skips the chain. A present but broken source throws DbssConfigError naming it.
 */
export function configFromEnv(env: Env, explicit?: { auth?: DbssAuth | undefined }): EnvConfig {
  const v = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const creds = resolveCredentials(env, explicit?.auth);
  const envProjectId = v('HUAWEICLOUD_SDK_PROJECT_ID');
  const projectId = envProjectId ?? creds?.projectId;
  const region = v('HUAWEICLOUD_SDK_REGION');
  return {
    region,
    // DBSS_ENDPOINT (one base URL for every region) wins over the official SDKs' per-region variable.
    endpoint: v('DBSS_ENDPOINT') ?? (region ? regionEndpointFromEnv(env, region) : undefined),
    iamEndpoint: v('HUAWEICLOUD_SDK_IAM_ENDPOINT') ?? creds?.iamEndpoint,
    projectId,
    projectIdSource: envProjectId ? 'env' : projectId ? 'profile' : undefined,
    auth: creds?.auth,
    credentialSource: creds?.source,
    credentialOrigin: creds?.origin,
    timeoutMs: intVar(env, 'DBSS_TIMEOUT_MS'),
    maxRetries: intVar(env, 'DBSS_MAX_RETRIES'),
    proxy: proxyFromEnv(env),
  };
}
