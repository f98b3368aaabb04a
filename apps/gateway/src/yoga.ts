// Builds the Yoga instance and its ONE plugin pipeline from explicit options; main.ts reads the
// environment and listens. Every GraphQL request, whichever door it comes in by, passes these plugins.
import { readFileSync } from 'node:fs';
import type { BlockList } from 'node:net';
import { DbssConfigError, type DbssRegion, type FetchLike } from '@dbss-obs/core';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { TracerProvider } from '@opentelemetry/api';
import type { GraphQLError, ValidationContext } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { type Logger, pino } from 'pino';
import { compose, type GatewayContext, type ServerContext } from './context.js';
import { createDbssCaller } from './dbss.js';
import { bufferedDoorBlocker, SAME_THROUGH_BUFFERED_DOOR } from './fast-door.js';
import { renderLocalGraphiQL } from './graphiql-assets.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { createResolvers } from './resolvers.js';
import { MemoryStore } from './shared/memory-store.js';
import type { SharedStore } from './shared/store.js';
import { createTracerProvider, recordsNothing } from './tracing.js';
import { type ApiKey, useCredentials } from './use-credentials.js';
import { useDocumentRules } from './use-document-rules.js';
import { type Executor, useExecutor } from './use-executor.js';
import { useParamChecks } from './use-param-checks.js';
import { useCallerLimit, useClientLimit, useUpstreamBudget } from './use-rate-limit.js';
import { useRequestTrace } from './use-request-trace.js';
import { useTracing } from './use-tracing.js';
import { useUpstreamCache } from './use-upstream-cache.js';

export const typeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export interface GatewayOptions {
  /** `token`: forward each caller's IAM token (default). `aksk`: sign with the gateway's own keys. */
  mode?: 'token' | 'aksk';
  /** Upstream base URL for every region (emulator, proxy). @default each region's public endpoint */
  endpoint?: string;
  /** Per-region upstream base URLs (HUAWEICLOUD_SDK_REGION_DBSS_<REGION>); `endpoint` wins. */
  regionEndpoints?: Partial<Record<DbssRegion, string>>;
  /** IAM base URL for project discovery when a query names no projectId. @default core's per-region IAM */
  iamEndpoint?: string;
  /** Region used when a query names none. */
  region?: DbssRegion;
  /** Per-attempt upstream timeout. @default 10000 */
  timeoutMs?: number;
  /** Upstream retries (core's policy). @default 2 */
  maxRetries?: number;
  /** Cache successful answers this long, per credential + region + project. @default 0 (off) */
  cacheTtlMs?: number;
  /** Serve a kept answer up to this age when DBSS fails (5xx, timeout, unreachable). @default 0 (off) */
  staleMs?: number;
  /** Requests per minute per caller, across every replica sharing the store. @default 0 (off) */
  rateLimitPerMinute?: number;
  /** obsBuckets calls per minute per client address, across every replica, checked first. @default 0 (off) */
  clientRateLimitPerMinute?: number;
  /** Proxies whose X-Forwarded-For names the client address. @default none: X-Forwarded-For is ignored */
  trustedProxies?: BlockList;
  /** After a DBSS 401/403, answer that credential (pair) at once for this long. 0: off. @default 10000 */
  refusalTtlMs?: number;
  /** DBSS calls per second for every replica sharing the store together. @default 0 (off) */
  upstreamRps?: number;
  /** Shared state for cache, coalescing and limits (Redis for a fleet). @default an in-process MemoryStore */
  store?: SharedStore;
  /** AK/SK for `aksk` mode. */
  aksk?: { ak: string; sk: string; securityToken?: string };
  /** Keys callers must present (Authorization: Bearer <key> or X-Api-Key) in `aksk` mode; each may read everything. */
  apiKeys?: readonly string[];
  /** Named keys (by SHA-256) for `aksk` mode, each limited to its projects and regions. */
  scopedApiKeys?: readonly ApiKey[];
  /** Serve GraphiQL on GET /graphql. @default true */
  graphiql?: boolean | { defaultQuery?: string; headers?: Record<string, string> };
  /**
   * Take plain JSON POSTs through the buffered door (same pipeline, less HTTP overhead). Off by itself when
   * a plugin registers an HTTP-level Yoga hook (see fast-door.ts). @default true
   */
  fastPath?: boolean;
  /** Origins a browser may call from (`'*'`: any, never with credentials). @default none: no CORS headers (same-origin GraphiQL needs none) */
  corsOrigins?: readonly string[] | '*';
  /** Answer introspection (`__schema`, `__type`). @default true (the bin: false when NODE_ENV=production) */
  introspection?: boolean;
  /** The executor: compiled by graphql-jit, or graphql-js's (same answers; the differential test holds them to it). @default 'jit' */
  executor?: Executor;
  /** Access log (one line per GraphQL request). @default silent */
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** Spans for operations and DBSS calls; `false` turns tracing off. @default a provider that exports nothing */
  tracing?: TracerProvider | false;
  /** Extra plugins, after the gateway's own (tests use one to count executions). */
  plugins?: Plugin[];
  fetch?: FetchLike;
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
}

/**
 * Yoga's error masking, the one place it is set: Yoga's door uses it (maskedErrors below) and the
 * buffered door masks a refused request with the same message and mode. Never the original error
 * (and its stack) in an answer, whatever NODE_ENV says.
 */
/** GraphQL Armor's validation rules, told to report a refusal to the validation (not to throw it). */
const ARMOR_REPORTS = {
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)],
};

export const MASKED_ERRORS = { errorMessage: 'Unexpected error.', isDev: false } as const;

export const DEFAULT_QUERY = `query ObsBuckets($projectId: ID) {
  obsBuckets(projectId: $projectId) {
    bucketName
    location
  }
}`;

/** Root fields a metric label may name; any other field counts as `other`. */
const ROOT_FIELDS = new Set(['obsBuckets', '__typename', '__schema', '__type']);

export function createGateway(opts: GatewayOptions = {}) {
  const mode = opts.mode ?? 'token';
  if (mode === 'aksk' && (!opts.aksk || !(opts.apiKeys?.length || opts.scopedApiKeys?.length))) {
    // Server-side keys must never serve an unauthenticated caller.
    throw new DbssConfigError('AK/SK mode needs the AK/SK and at least one gateway API key for callers.', {
      variable: 'GATEWAY_API_KEYS',
    });
  }
  const metrics = opts.metrics ?? createMetrics();
  const logger = opts.logger ?? pino({ level: 'silent' });
  const store = opts.store ?? new MemoryStore();
  const tracerProvider = opts.tracing === false ? undefined : (opts.tracing ?? createTracerProvider());
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const dbss = createDbssCaller({
    endpoint: opts.endpoint,
    regionEndpoints: opts.regionEndpoints,
    iamEndpoint: opts.iamEndpoint,
    defaultRegion: opts.region,
    timeoutMs,
    maxRetries: opts.maxRetries ?? 2,
    aksk: mode === 'aksk' ? opts.aksk : undefined,
    fetch: opts.fetch,
    retry: opts.retry,
    observe: metrics.observeUpstream,
  });

  const graphiql =
    opts.graphiql === false
      ? false
      : {
          title: 'dbss-obs gateway',
          defaultQuery: (typeof opts.graphiql === 'object' && opts.graphiql.defaultQuery) || DEFAULT_QUERY,
          headers: JSON.stringify(typeof opts.graphiql === 'object' ? (opts.graphiql.headers ?? {}) : {}),
        };

  const schema = createSchema<GatewayContext>({
    typeDefs,
    resolvers: createResolvers({
      unauthenticatedMessage:
        mode === 'token'
          ? 'Send your IAM token in the X-Auth-Token header (or Authorization: Bearer <token>).'
          : 'Send a gateway API key in the Authorization: Bearer <key> header.',
      defaultRegion: opts.region,
      noIam: Boolean(opts.endpoint) && !opts.iamEndpoint,
    }),
  });

  // The DBSS call, in the order a call passes its layers: the resolver calls `cache`, which calls `budget`,
  // which calls `trace`, which calls `dbss` (core's listObsBuckets with the caller's credential, then
  // undici's dispatch). docs/architecture.md follows projectId along it.
  // A cached or joined call spends no budget and makes no DBSS span. A dead replica's lock expires within
  // the upstream timeout (at most 5 s): then one waiter takes over.
  const cache = useUpstreamCache({
    store,
    ttlMs: opts.cacheTtlMs ?? 0,
    staleMs: opts.staleMs ?? 0,
    refusalTtlMs: opts.refusalTtlMs ?? 10_000,
    lockTtlMs: Math.min(timeoutMs, 5000),
    // A waiter calls DBSS itself once one attempt's time and the lock's have passed: a duplicate call
    // when the holder is retrying, rather than callers held by a lock nobody releases (a hostile Redis).
    waitMs: timeoutMs + Math.min(timeoutMs, 5000),
    onCoalesced: metrics.coalesced,
    onStale: metrics.staleServed,
  });
  // Only real DBSS calls (and their retries) spend the fleet's budget; a spent budget is RATE_LIMITED, never stale.
  const budget = useUpstreamBudget({ store, perSecond: opts.upstreamRps ?? 0, maxWaitMs: timeoutMs });
  const tracing =
    tracerProvider && useTracing({ provider: tracerProvider, propagateOnly: recordsNothing(tracerProvider) });
  const limits = {
    store,
    perMinute: opts.rateLimitPerMinute ?? 0,
    clientPerMinute: opts.clientRateLimitPerMinute ?? 0,
    trustedProxies: opts.trustedProxies,
  };
  const listBuckets = compose(cache.wrapListBuckets, budget.wrapListBuckets, tracing?.wrapListBuckets)(dbss);

  // The pipeline, in order. Yoga adds its own after these: the parse/validate cache, parameter checks,
  // error masking (maskedErrors below) and HTTP statuses for validation errors.
  const plugins: Plugin[] = [
    // Executes each validated document as compiled JavaScript (compiled once per document): the same
    // results as graphql-js, in a fraction of the time and allocations. First, so tracing wraps it.
    ...useExecutor(opts.executor ?? 'jit'),
    sameThroughBufferedDoor(
      useParamChecks(),
      "its onRequestParse wraps Yoga's GET and form parsers; the buffered door takes only JSON bodies it parsed itself",
    ),
    // Operation types the schema lacks and (when off) introspection: refused at validation, a 400.
    useDocumentRules({ introspection: opts.introspection !== false }),
    useRequestTrace(ROOT_FIELDS),
    // One request cannot fan out: at most 4 aliases (so 5 obsBuckets calls), shallow and short documents.
    // The validation rules report what they refuse as validation errors (code GRAPHQL_VALIDATION_FAILED,
    // a 400 under graphql-response+json, like any invalid document) rather than throw out of validation
    // (armor's default: a 200 with no code). maxTokens refuses at parse: GRAPHQL_PARSE_FAILED already.
    EnvelopArmorPlugin({
      maxAliases: { n: 4, ...ARMOR_REPORTS },
      maxDepth: { n: 6, ...ARMOR_REPORTS },
      maxTokens: { n: 400 },
      maxDirectives: { n: 10, ...ARMOR_REPORTS },
      costLimit: { maxCost: 500, ...ARMOR_REPORTS },
      blockFieldSuggestion: { enabled: true },
    }),
    // Every executed request counts, cached or not, one unit per obsBuckets field; the excess never
    // reaches DBSS. The client address first, before any credential is read; then the caller's own limit.
    useClientLimit(limits),
    useCredentials({ mode, apiKeys: opts.apiKeys, scopedApiKeys: opts.scopedApiKeys }),
    useCallerLimit(limits),
    // The three below wrap the DBSS call (composed in call order above); they are plugins too for their
    // other hooks (spans for operations, `extensions.stale`).
    tracing,
    budget,
    cache,
    ...(opts.plugins ?? []),
  ].filter((p): p is Plugin => Boolean(p));
  // Markers around the list, so the door's decision finds it (and what its plugins add) in Yoga's resolved list.
  const first: Plugin = {};
  const last: Plugin = {};

  const yoga = createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql,
    renderGraphiQL: renderLocalGraphiQL,
    logging: false,
    maskedErrors: { ...MASKED_ERRORS },
    maxRequestBodySize: 100_000,
    // No file uploads in this API: multipart bodies are refused (415) rather than parsed.
    multipart: false,
    // No CORS unless origins are configured. Callers send credentials in headers, never cookies: no
    // answer allows credentials (with `'*'` Yoga echoes the Origin, without Allow-Credentials).
    cors: (opts.corsOrigins === '*' || (opts.corsOrigins?.length ?? 0) > 0) && {
      origin: opts.corsOrigins === '*' ? '*' : [...(opts.corsOrigins ?? [])],
      credentials: false,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: [
        'Content-Type',
        'Accept',
        'X-Auth-Token',
        'Authorization',
        'X-Api-Key',
        'X-Request-Id',
        'traceparent',
        'tracestate',
      ],
      exposedHeaders: ['X-Request-Id'],
    },
    // The DBSS call with its layers, composed above. (credential and trace are added by plugins: typed
    // as the finished context.)
    context: () => ({ listBuckets }) as GatewayContext,
    plugins: [first, ...plugins, last],
  });

  // Decided once: a plugin that needs Yoga's HTTP handling sends every request through Yoga's door.
  const blocker = opts.fastPath === false ? undefined : bufferedDoorBlocker(resolvedPlugins(yoga), first, last);
  if (blocker) {
    logger.warn(
      { plugin: blocker.plugin, hooks: blocker.hooks },
      "buffered door off: a plugin registers Yoga's HTTP-level hooks, so every request takes Yoga's door",
    );
  }

  return {
    yoga,
    metrics,
    store,
    mode,
    tracerProvider,
    fastPathEnabled: opts.fastPath !== false && !blocker,
    /** The access log: one line per request that reached a door, written by the server (server.ts). */
    accessLog: logger,
    graphiql: graphiql !== false,
  };
}

export type Gateway = ReturnType<typeof createGateway>;

/**
 * Yoga's resolved plugin list (its own, ours, and what plugins added with `addPlugin`), in order. Yoga keeps
 * it as `plugins` (protected: the server adapter hands its functions out bound, so `getEnveloped._plugins`
 * is not reachable through it).
 */
function resolvedPlugins(yoga: object): readonly object[] {
  const list: unknown = Reflect.get(yoga, 'plugins');
  return Array.isArray(list) ? list.filter((p): p is object => typeof p === 'object' && p !== null) : [];
}

/** A plugin of ours whose HTTP-level hooks change nothing for what the buffered door takes (see fast-door.ts). */
function sameThroughBufferedDoor(plugin: Plugin, reason: string): Plugin {
  return Object.assign(plugin, { [SAME_THROUGH_BUFFERED_DOOR]: reason });
}
