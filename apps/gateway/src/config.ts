// Gateway configuration from the environment, validated at start-up; errors name the variable.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  configFromEnv,
  DBSS_REGIONS,
  DbssConfigError,
  type DbssRegion,
  ENV_LABELS,
  type Env,
  isDbssRegion,
  isValidProjectId,
  parseHttpUrl,
  regionEndpointFromEnv,
  resolveEndpoint,
} from '@dbss-obs/core';
import { parseTrustedProxies } from './client-address.js';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT_MS } from './server.js';
import { REDIS_TOPOLOGY_VARIABLES, type RedisConnection, redisConnectionFromEnv } from './shared/redis-config.js';
import { MIN_STORE_SECRET_LENGTH } from './shared/seal.js';
import type { ApiKey } from './use-credentials.js';
import type { GatewayOptions } from './yoga.js';

export interface GatewayConfig {
  gateway: GatewayOptions;
  port: number;
  host: string;
  logLevel: string;
  shutdownTimeoutMs: number;
  drainDelayMs: number;
  /** No upstream configured: run the embedded emulator. */
  demo: boolean;
  production: boolean;
  /** Export spans with OTLP/HTTP: OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. */
  otlp: boolean;
  /** OTEL_SERVICE_NAME, else dbss-obs-gateway. */
  serviceName: string;
  /** OTEL_SDK_DISABLED=true: no spans at all (traceparent is not sent on). */
  tracing: boolean;
  /**
   * REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (+ REDIS_SENTINEL_MASTER, REDIS_USERNAME,
   * REDIS_PASSWORD, REDIS_TLS, REDIS_TLS_CA_FILE): share cache, coalescing and limits with other
   * replicas; unset keeps them in process.
   */
  redis?: RedisConnection;
  /** GATEWAY_STORE_SECRET: keys are HMACs and values tagged under it; required with any Redis variable. */
  storeSecret?: string;
  /** GATEWAY_REDIS_TIMEOUT_MS: a Redis command slower than this counts as Redis being down. */
  redisTimeoutMs: number;
  /** GATEWAY_REQUEST_TIMEOUT_MS: a request whose headers and body have not all arrived by then gets 408. */
  requestTimeoutMs: number;
  /** GATEWAY_MAX_CONNECTIONS: open connections the API port accepts at once. */
  maxConnections: number;
  /** METRICS_PORT (+ METRICS_HOST): /metrics on its own listener instead of the API port. */
  metrics?: { port: number; host: string };
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function fail(variable: string, message: string): never {
  throw new DbssConfigError(`${variable} ${message}`, { variable });
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    fail(name, `must be a whole number from ${min} to ${max} (got "${raw.slice(0, 40)}").`);
  return Number(raw);
}

function bool(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  fail(name, `must be true or false (got "${raw.slice(0, 20)}").`);
}

export function gatewayConfigFromEnv(env: Env): GatewayConfig {
  const production = env.NODE_ENV === 'production';
  const region = env.HUAWEICLOUD_SDK_REGION?.trim() || undefined;
  const endpoint = env.DBSS_ENDPOINT?.trim() || undefined;
  resolveEndpoint({ region, endpoint }, ENV_LABELS);
  // The official SDKs' per-region variables (HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4=…), checked by core.
  const regionEndpoints: Partial<Record<DbssRegion, string>> = {};
  for (const r of DBSS_REGIONS) {
    const url = regionEndpointFromEnv(env, r);
    if (url) regionEndpoints[r] = url;
  }
  const demo = !region && !endpoint;
  if (demo && production) {
    fail(
      'HUAWEICLOUD_SDK_REGION',
      'or DBSS_ENDPOINT must be set when NODE_ENV=production (the embedded emulator is for demos only).',
    );
  }
  const mode = (env.GATEWAY_AUTH_MODE?.trim() || 'token') as 'token' | 'aksk';
  if (mode !== 'token' && mode !== 'aksk')
    fail('GATEWAY_AUTH_MODE', `must be "token" or "aksk" (got "${String(mode).slice(0, 20)}").`);
  let aksk: GatewayOptions['aksk'];
  let apiKeys: string[] | undefined;
  let scopedApiKeys: ApiKey[] | undefined;
  if (mode === 'aksk') {
    const c = configFromEnv(env);
    if (c.auth?.type !== 'aksk')
      fail('HUAWEICLOUD_SDK_AK', 'and HUAWEICLOUD_SDK_SK are required when GATEWAY_AUTH_MODE=aksk.');
    aksk = { ak: c.auth.ak, sk: c.auth.sk, securityToken: c.auth.securityToken };
    ({ apiKeys, scopedApiKeys } = apiKeysFromEnv(env));
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LEVELS.includes(logLevel))
    fail('LOG_LEVEL', `must be one of ${LEVELS.join(', ')} (got "${logLevel.slice(0, 20)}").`);
  const graphiql = bool(env, 'GATEWAY_GRAPHIQL') ?? !production;
  const iamEndpoint = env.HUAWEICLOUD_SDK_IAM_ENDPOINT?.trim() || undefined;
  // Core's one URL check (never echoes the value: it may hold credentials).
  if (iamEndpoint) parseHttpUrl(iamEndpoint, 'HUAWEICLOUD_SDK_IAM_ENDPOINT');
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (otlpEndpoint)
    parseHttpUrl(
      otlpEndpoint,
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()
        ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
        : 'OTEL_EXPORTER_OTLP_ENDPOINT',
    );
  // Shared state is only as trustworthy as its secret: with any Redis there must be one, and it never
  // goes to Redis (the salt that used to sit there in clear is gone).
  if (env.GATEWAY_KEY_SALT?.trim())
    fail('GATEWAY_KEY_SALT', 'is no longer read: set GATEWAY_STORE_SECRET (at least 32 characters) instead.');
  const storeSecret = env.GATEWAY_STORE_SECRET?.trim() || undefined;
  const redisVariables = REDIS_TOPOLOGY_VARIABLES.filter((v) => env[v]?.trim());
  if (storeSecret === undefined && redisVariables.length > 0)
    fail(
      'GATEWAY_STORE_SECRET',
      `is required with ${redisVariables.join(', ')}: every replica needs the same secret of at least ${MIN_STORE_SECRET_LENGTH} characters (e.g. openssl rand -base64 48), so shared state in Redis cannot be forged.`,
    );
  if (storeSecret !== undefined && storeSecret.length < MIN_STORE_SECRET_LENGTH)
    fail(
      'GATEWAY_STORE_SECRET',
      `must be at least ${MIN_STORE_SECRET_LENGTH} characters (e.g. openssl rand -base64 48).`,
    );
  // After the secret: a Redis without one is refused first, whatever else is wrong with it.
  const redis = redisConnectionFromEnv(env);
  const proxies = env.GATEWAY_TRUSTED_PROXIES?.trim();
  let trustedProxies: GatewayOptions['trustedProxies'];
  try {
    trustedProxies = proxies ? parseTrustedProxies(proxies) : undefined;
  } catch (err) {
    fail('GATEWAY_TRUSTED_PROXIES', (err as Error).message);
  }
  return {
    gateway: {
      mode,
      endpoint,
      regionEndpoints,
      iamEndpoint,
      region: region as DbssRegion | undefined,
      timeoutMs: int(env, 'DBSS_TIMEOUT_MS', 10_000, 1, 600_000),
      maxRetries: int(env, 'DBSS_MAX_RETRIES', 2, 0, 10),
      cacheTtlMs: int(env, 'GATEWAY_CACHE_TTL_MS', 0, 0, 3_600_000),
      staleMs: int(env, 'GATEWAY_STALE_MS', 0, 0, 7 * 24 * 3_600_000),
      rateLimitPerMinute: int(env, 'GATEWAY_RATE_LIMIT', 0, 0, 100_000_000),
      clientRateLimitPerMinute: int(env, 'GATEWAY_CLIENT_RATE_LIMIT', 0, 0, 100_000_000),
      trustedProxies,
      refusalTtlMs: int(env, 'GATEWAY_REFUSAL_TTL_MS', 10_000, 0, 3_600_000),
      upstreamRps: int(env, 'GATEWAY_UPSTREAM_RPS', 0, 0, 1_000_000),
      aksk,
      apiKeys,
      scopedApiKeys,
      graphiql,
      corsOrigins: corsOriginsFromEnv(env),
      introspection: bool(env, 'GATEWAY_INTROSPECTION') ?? !production,
    },
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    logLevel,
    shutdownTimeoutMs: int(env, 'GATEWAY_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    drainDelayMs: int(env, 'GATEWAY_DRAIN_DELAY_MS', 0, 0, 600_000),
    demo,
    production,
    otlp: Boolean(otlpEndpoint),
    tracing: !bool(env, 'OTEL_SDK_DISABLED'),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'dbss-obs-gateway',
    redis,
    storeSecret,
    redisTimeoutMs: int(env, 'GATEWAY_REDIS_TIMEOUT_MS', 250, 10, 60_000),
    ...listenerFromEnv(env),
  };
}

// --- The edges: API keys, CORS, the listeners' limits and the metrics listener ---

/** A key a guesser cannot enumerate: long, and not a run of few characters. */
const MIN_KEY_LENGTH = 32;
const MIN_KEY_DISTINCT = 12;
const KEY_HINT = 'make one with: openssl rand -base64 32';

/**
 * AK/SK mode's caller keys: GATEWAY_API_KEYS (comma-separated, unscoped) and GATEWAY_API_KEYS_FILE
 * (named keys by SHA-256, each with its projects and regions). At least one key in all; a weak key is
 * refused. No message ever holds a key or a line of the file: only positions and field names.
 */
function apiKeysFromEnv(env: Env): { apiKeys?: string[]; scopedApiKeys?: ApiKey[] } {
  const apiKeys = (env.GATEWAY_API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const [i, key] of apiKeys.entries()) {
    if (key.length < MIN_KEY_LENGTH || new Set(key).size < MIN_KEY_DISTINCT)
      fail(
        'GATEWAY_API_KEYS',
        `key #${i + 1} is too weak: a key needs at least ${MIN_KEY_LENGTH} characters, at least ${MIN_KEY_DISTINCT} of them different (${KEY_HINT}).`,
      );
  }
  const path = env.GATEWAY_API_KEYS_FILE?.trim();
  const scopedApiKeys = path ? apiKeysFile(path) : undefined;
  // A key has one scope: the same key unscoped in GATEWAY_API_KEYS would silently widen it.
  for (const [i, key] of apiKeys.entries()) {
    const hash = createHash('sha256').update(key).digest('hex');
    const twin = scopedApiKeys?.findIndex((k) => k.sha256 === hash) ?? -1;
    if (twin !== -1)
      fail(
        'GATEWAY_API_KEYS',
        `key #${i + 1} is also keys[${twin}] of GATEWAY_API_KEYS_FILE: give each key one scope.`,
      );
  }
  if (apiKeys.length === 0 && !scopedApiKeys)
    fail(
      'GATEWAY_API_KEYS',
      '(comma-separated keys) or GATEWAY_API_KEYS_FILE must give at least one key when GATEWAY_AUTH_MODE=aksk: callers must authenticate to the gateway.',
    );
  return { apiKeys: apiKeys.length ? apiKeys : undefined, scopedApiKeys };
}

const KEYS_FILE_SHAPE =
  'expected {"keys":[{"name":"ci","sha256":"<hex SHA-256 of the key>","projects":["<project id>"],"regions":["cn-north-4"]}]} (projects and regions optional: absent = all)';
const KEY_FIELDS = new Set(['name', 'sha256', 'projects', 'regions']);

/** GATEWAY_API_KEYS_FILE, read and checked field by field. */
function apiKeysFile(path: string): ApiKey[] {
  const bad = (what: string): never => fail('GATEWAY_API_KEYS_FILE', `(${path}) ${what}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return bad(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): set it to a readable JSON file.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: not repeated (a key pasted in by mistake must not reach a log).
    return bad(`is not valid JSON: ${KEYS_FILE_SHAPE}.`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray(keys) || keys.length === 0)
    return bad(`must hold a non-empty "keys" array: ${KEYS_FILE_SHAPE}.`);
  const names = new Set<string>();
  const hashes = new Set<string>();
  return keys.map((entry: unknown, i): ApiKey => {
    const at = `keys[${i}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry))
      return bad(`${at} must be an object: ${KEYS_FILE_SHAPE}.`);
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).find((k) => !KEY_FIELDS.has(k));
    if (unknown !== undefined)
      bad(`${at} has an unknown field "${unknown.slice(0, 20)}": only name, sha256, projects and regions are read.`);
    if (typeof e.name !== 'string' || !/^[\w.@-]{1,64}$/.test(e.name))
      bad(`${at}.name must be 1 to 64 letters, digits, "_", "-", "." or "@" (the access log names the key by it).`);
    const name = e.name as string;
    if (names.has(name)) bad(`${at}.name "${name}" is used twice.`);
    names.add(name);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(e.sha256))
      bad(`${at}.sha256 must be the 64 hex digits of the key's SHA-256 (printf %s "$KEY" | sha256sum).`);
    const sha256 = (e.sha256 as string).toLowerCase();
    if (hashes.has(sha256)) bad(`${at}.sha256 is the same key as an earlier entry.`);
    hashes.add(sha256);
    const list = (field: 'projects' | 'regions', valid: (v: unknown) => boolean, what: string) => {
      const value = e[field];
      if (value === undefined) return undefined;
      if (!Array.isArray(value) || value.length === 0)
        bad(`${at}.${field} must be a non-empty array (leave it out to allow every one).`);
      const wrong = (value as unknown[]).findIndex((v) => !valid(v));
      if (wrong !== -1) bad(`${at}.${field}[${wrong}] is not ${what}.`);
      return value as string[];
    };
    const projects = list('projects', isValidProjectId, 'a project id (32 to 64 letters and digits)');
    const regions = list('regions', isDbssRegion, `a DBSS region (one of ${DBSS_REGIONS.join(', ')})`);
    return { name, sha256, ...(projects ? { projects } : {}), ...(regions ? { regions } : {}) };
  });
}

/** CORS_ORIGINS: unset = no CORS; `*` = any origin (never with credentials); else comma-separated origins. */
function corsOriginsFromEnv(env: Env): GatewayOptions['corsOrigins'] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw) return undefined;
  if (raw === '*') return '*';
  return raw.split(',').map((o, i) => {
    const origin = o.trim();
    // An origin is scheme://host[:port], nothing after it: what browsers send in the Origin header.
    if (
      !/^https?:\/\/[^/\s?#]+$/i.test(origin) ||
      !URL.canParse(origin) ||
      new URL(origin).origin !== origin.toLowerCase()
    )
      fail(
        'CORS_ORIGINS',
        `entry #${i + 1} is not an origin: list scheme://host[:port] values, comma-separated (e.g. https://console.example.com), or * for any origin.`,
      );
    return origin;
  });
}

/** The API listener's limits, and the metrics listener. */
function listenerFromEnv(env: Env): Pick<GatewayConfig, 'requestTimeoutMs' | 'maxConnections' | 'metrics'> {
  const requestTimeoutMs = int(env, 'GATEWAY_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS, 100, 3_600_000);
  const maxConnections = int(env, 'GATEWAY_MAX_CONNECTIONS', DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
  const host = env.METRICS_HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(host))
    fail('METRICS_HOST', 'must be a host name or IP address to listen on, e.g. 127.0.0.1 (the default) or 0.0.0.0.');
  if (env.METRICS_HOST?.trim() && !env.METRICS_PORT?.trim())
    fail('METRICS_HOST', 'is only used with METRICS_PORT: set METRICS_PORT too (or unset METRICS_HOST).');
  const port = env.METRICS_PORT?.trim() ? int(env, 'METRICS_PORT', 0, 0, 65535) : undefined;
  if (port && port === int(env, 'PORT', 4000, 0, 65535))
    fail('METRICS_PORT', 'must differ from PORT: metrics get a listener of their own.');
  return { requestTimeoutMs, maxConnections, ...(port !== undefined ? { metrics: { port, host } } : {}) };
}
