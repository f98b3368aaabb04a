// Checks client options before any I/O. Messages name the option, or the environment variable when
// the value came from one (fromEnv passes the variable names as labels).
import { DbssConfigError } from './errors.js';
import { DBSS_REGIONS, type DbssRegion, dbssEndpoint, iamEndpoint, isDbssRegion } from './regions.js';
import { isValidProjectId } from './validate.js';

export type DbssAuth =
  | { type: 'token'; token: string }
  | { type: 'aksk'; ak: string; sk: string; securityToken?: string }
  | { type: 'password'; user: string; password: string; domain: string; iamEndpoint?: string; projectName?: string };

export interface ConfigInput {
  region?: string;
  endpoint?: string;
  auth?: DbssAuth;
  projectId?: string;
  timeoutMs?: number;
  maxRetries?: number;
  iamEndpoint?: string;
}

export interface ResolvedConfig {
  region: DbssRegion | undefined;
  baseUrl: URL;
  auth: DbssAuth;
  iamEndpoint: string | undefined;
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
  iamEndpoint: 'options.auth.iamEndpoint',
  projectId: 'options.projectId',
  timeoutMs: 'options.timeoutMs',
  maxRetries: 'options.maxRetries',
};

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RETRIES = 2;

function fail(label: string, message: string): never {
  throw new DbssConfigError(`${label} ${message}`, { variable: label });
}

export function parseHttpUrl(value: string, label: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(label, `is not a URL ("${value.slice(0, 80)}"); set it to e.g. http://127.0.0.1:8443.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(label, 'must be an http:// or https:// URL.');
  if (url.username || url.password) fail(label, 'must not contain credentials.');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
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
    default:
      fail(labels.auth, `has an unknown type; use "token", "aksk" or "password".`);
  }
  const iamRaw = (auth.type === 'password' ? auth.iamEndpoint : undefined) || input.iamEndpoint;
  let iam: string | undefined;
  if (iamRaw) iam = parseHttpUrl(iamRaw, labels.iamEndpoint).href;
  else if (region) iam = `${iamEndpoint(region)}/`;
  else if (auth.type === 'password') {
    fail(labels.iamEndpoint, `is required for password login when ${labels.endpoint} is set without a region.`);
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
    projectId: input.projectId || undefined,
    timeoutMs,
    maxRetries,
  };
}

export const ENV_LABELS: ConfigLabels = {
  region: 'HUAWEICLOUD_SDK_REGION',
  endpoint: 'DBSS_ENDPOINT',
  auth: 'HUAWEICLOUD_AUTH_TOKEN (or HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK, or HUAWEICLOUD_IAM_USER + HUAWEICLOUD_IAM_PASSWORD + HUAWEICLOUD_IAM_DOMAIN)',
  token: 'HUAWEICLOUD_AUTH_TOKEN',
  ak: 'HUAWEICLOUD_SDK_AK',
  sk: 'HUAWEICLOUD_SDK_SK',
  user: 'HUAWEICLOUD_IAM_USER',
  password: 'HUAWEICLOUD_IAM_PASSWORD',
  domain: 'HUAWEICLOUD_IAM_DOMAIN',
  iamEndpoint: 'HUAWEICLOUD_SDK_IAM_ENDPOINT',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
  timeoutMs: 'DBSS_TIMEOUT_MS',
  maxRetries: 'DBSS_MAX_RETRIES',
};

export type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw)) fail(name, `must be a whole number (got "${raw.slice(0, 40)}").`);
  return Number(raw);
}

/** Reads the DESIGN.md variables. Auth precedence: token, then AK/SK, then password. */
export function configFromEnv(env: Env): ConfigInput {
  const v = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  let auth: DbssAuth | undefined;
  const token = v('HUAWEICLOUD_AUTH_TOKEN');
  const ak = v('HUAWEICLOUD_SDK_AK');
  const sk = v('HUAWEICLOUD_SDK_SK');
  const user = v('HUAWEICLOUD_IAM_USER');
  const password = v('HUAWEICLOUD_IAM_PASSWORD');
  const domain = v('HUAWEICLOUD_IAM_DOMAIN');
  if (token) auth = { type: 'token', token };
  else if (ak || sk) {
    auth = {
      type: 'aksk',
      ak: required(ak, 'HUAWEICLOUD_SDK_AK'),
      sk: required(sk, 'HUAWEICLOUD_SDK_SK'),
      securityToken: v('HUAWEICLOUD_SDK_SECURITY_TOKEN'),
    };
  } else if (user || password || domain) {
    auth = {
      type: 'password',
      user: required(user, 'HUAWEICLOUD_IAM_USER'),
      password: required(password, 'HUAWEICLOUD_IAM_PASSWORD'),
      domain: required(domain, 'HUAWEICLOUD_IAM_DOMAIN'),
      iamEndpoint: v('HUAWEICLOUD_SDK_IAM_ENDPOINT'),
    };
  }
  return {
    region: v('HUAWEICLOUD_SDK_REGION'),
    endpoint: v('DBSS_ENDPOINT'),
    iamEndpoint: v('HUAWEICLOUD_SDK_IAM_ENDPOINT'),
    projectId: v('HUAWEICLOUD_SDK_PROJECT_ID'),
    auth,
    timeoutMs: intVar(env, 'DBSS_TIMEOUT_MS'),
    maxRetries: intVar(env, 'DBSS_MAX_RETRIES'),
  };
}
