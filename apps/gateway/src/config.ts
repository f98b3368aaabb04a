// Gateway configuration from the environment, validated at start-up; errors name the variable.
import {
  configFromEnv,
  DBSS_REGIONS,
  DbssConfigError,
  type DbssRegion,
  ENV_LABELS,
  type Env,
  parseHttpUrl,
  regionEndpointFromEnv,
  resolveEndpoint,
} from '@dbss-obs/core';
import { parseTrustedProxies } from './client-address.js';
import { MIN_STORE_SECRET_LENGTH } from './shared/seal.js';
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
  /** REDIS_URL: share cache, coalescing and limits with other replicas; unset keeps them in process. */
  redisUrl?: string;
  /** GATEWAY_STORE_SECRET: keys are HMACs and values tagged under it; required with any Redis variable. */
  storeSecret?: string;
  /** GATEWAY_REDIS_TIMEOUT_MS: a Redis command slower than this counts as Redis being down. */
  redisTimeoutMs: number;
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
  if (mode === 'aksk') {
    const c = configFromEnv(env);
    if (c.auth?.type !== 'aksk')
      fail('HUAWEICLOUD_SDK_AK', 'and HUAWEICLOUD_SDK_SK are required when GATEWAY_AUTH_MODE=aksk.');
    aksk = { ak: c.auth.ak, sk: c.auth.sk, securityToken: c.auth.securityToken };
    apiKeys = (env.GATEWAY_API_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    if (apiKeys.length === 0)
      fail(
        'GATEWAY_API_KEYS',
        'must list at least one key (comma-separated) when GATEWAY_AUTH_MODE=aksk: callers must authenticate to the gateway.',
      );
    if (apiKeys.some((k) => k.length < 16)) fail('GATEWAY_API_KEYS', 'keys must be at least 16 characters.');
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
  const origins = env.CORS_ORIGINS?.trim();
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\/[^\s/]+/i.test(redisUrl))
    fail('REDIS_URL', 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0.');
  // Shared state is only as trustworthy as its secret: with any Redis there must be one, and it never
  // goes to Redis (the salt that used to sit there in clear is gone).
  if (env.GATEWAY_KEY_SALT?.trim())
    fail('GATEWAY_KEY_SALT', 'is no longer read: set GATEWAY_STORE_SECRET (at least 32 characters) instead.');
  const storeSecret = env.GATEWAY_STORE_SECRET?.trim() || undefined;
  const redisVariables = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'].filter((v) => env[v]?.trim());
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
      graphiql,
      corsOrigins: !origins || origins === '*' ? '*' : origins.split(',').map((o) => o.trim()),
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
    redisUrl,
    storeSecret,
    redisTimeoutMs: int(env, 'GATEWAY_REDIS_TIMEOUT_MS', 250, 10, 60_000),
  };
}
