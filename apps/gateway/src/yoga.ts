// Builds the Yoga instance from explicit options; main.ts reads the environment and listens.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DbssConfigError, type DbssRegion, type FetchLike } from '@dbss-obs/core';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createSchema, createYoga } from 'graphql-yoga';
import type { GatewayContext, RequestTrace, ServerContext } from './context.js';
import { createFastPath } from './fast-path.js';
import { renderLocalGraphiQL } from './graphiql-assets.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { createResolvers } from './resolvers.js';
import { Upstream } from './upstream.js';
import { useTrace } from './use-trace.js';

export const typeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export interface GatewayOptions {
  /** `token`: forward each caller's IAM token (default). `aksk`: sign with the gateway's own keys. */
  mode?: 'token' | 'aksk';
  /** Upstream base URL for every region (emulator, proxy). @default each region's public endpoint */
  endpoint?: string;
  /** Region used when a query names none. */
  region?: DbssRegion;
  /** Per-attempt upstream timeout. @default 10000 */
  timeoutMs?: number;
  /** Upstream retries (core's policy). @default 2 */
  maxRetries?: number;
  /** Cache successful answers this long, per credential + region + project. @default 0 (off) */
  cacheTtlMs?: number;
  /** AK/SK for `aksk` mode. */
  aksk?: { ak: string; sk: string; securityToken?: string };
  /** Keys callers must present (Authorization: Bearer <key> or X-Api-Key) in `aksk` mode. */
  apiKeys?: readonly string[];
  /** Serve GraphiQL on GET /graphql. @default true */
  graphiql?: boolean | { defaultQuery?: string; headers?: Record<string, string> };
  /** Answer repeats of validated operations without Yoga's per-request pipeline. @default true */
  fastPath?: boolean;
  /** Allowed CORS origins. @default '*' */
  corsOrigins?: readonly string[] | '*';
  metrics?: GatewayMetrics;
  fetch?: FetchLike;
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
}

export const DEFAULT_QUERY = `query ObsBuckets($projectId: ID!) {
  obsBuckets(projectId: $projectId) {
    bucketName
    location
  }
}`;

export function newTrace(requestId?: string | null): RequestTrace {
  const id = requestId && /^[\w.-]{1,128}$/.test(requestId) ? requestId : randomUUID();
  return { requestId: id, start: performance.now() };
}

const hashKey = (key: string) => createHash('sha256').update(key).digest();

export function createGateway(opts: GatewayOptions = {}) {
  const mode = opts.mode ?? 'token';
  if (mode === 'aksk' && (!opts.aksk || !opts.apiKeys?.length)) {
    // Server-side keys must never serve an unauthenticated caller.
    throw new DbssConfigError('AK/SK mode needs the AK/SK and at least one gateway API key for callers.', {
      variable: 'GATEWAY_API_KEYS',
    });
  }
  const metrics = opts.metrics ?? createMetrics();
  const upstream = new Upstream({
    endpoint: opts.endpoint,
    defaultRegion: opts.region,
    timeoutMs: opts.timeoutMs ?? 10_000,
    maxRetries: opts.maxRetries ?? 2,
    cacheTtlMs: opts.cacheTtlMs ?? 0,
    aksk: mode === 'aksk' ? opts.aksk : undefined,
    fetch: opts.fetch,
    retry: opts.retry,
    observe: metrics.observeUpstream,
    onCoalesced: metrics.coalesced,
  });
  const apiKeys = (opts.apiKeys ?? []).map((k) => ({ hash: hashKey(k), id: hashKey(k).toString('hex').slice(0, 12) }));

  function credentialOf(header: (name: string) => string | null | undefined): GatewayContext['credential'] {
    const authz = header('authorization');
    const bearer = authz && /^Bearer\s+(\S+)$/i.exec(authz)?.[1];
    if (mode === 'token') {
      const token = header('x-auth-token')?.trim() || bearer;
      return token ? { token } : undefined;
    }
    const presented = bearer || header('x-api-key');
    if (!presented) return undefined;
    const h = hashKey(presented);
    const match = apiKeys.find((k) => timingSafeEqual(k.hash, h));
    return match ? { callerId: match.id } : undefined;
  }

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
    }),
  });

  const rootFields = new Set(['obsBuckets', '__typename', '__schema', '__type']);
  const fastPath = createFastPath({
    schema,
    rootFields,
    contextFor: (headers, trace) => ({
      upstream,
      trace,
      credential: credentialOf((name) => {
        const v = headers[name];
        return Array.isArray(v) ? v[0] : v;
      }),
    }),
  });

  const yoga = createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql,
    renderGraphiQL: renderLocalGraphiQL,
    logging: false,
    maskedErrors: true,
    cors: {
      origin: opts.corsOrigins === undefined || opts.corsOrigins === '*' ? '*' : [...opts.corsOrigins],
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'Accept', 'X-Auth-Token', 'Authorization', 'X-Api-Key', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id'],
    },
    context: ({ request, trace }) => ({
      upstream,
      credential: credentialOf((name) => request.headers.get(name)),
      trace: trace ?? newTrace(request.headers.get('x-request-id')),
    }),
    plugins: [
      // One request cannot fan out: at most 4 aliases (so 5 obsBuckets calls), shallow and short documents.
      EnvelopArmorPlugin({
        maxAliases: { n: 4 },
        maxDepth: { n: 6 },
        maxTokens: { n: 400 },
        maxDirectives: { n: 10 },
        costLimit: { maxCost: 500 },
        blockFieldSuggestion: { enabled: true },
      }),
      useTrace(rootFields, fastPath.remember),
    ],
  });

  return {
    yoga,
    upstream,
    metrics,
    mode,
    fastPath,
    fastPathEnabled: opts.fastPath !== false,
    graphiql: graphiql !== false,
  };
}

export type Gateway = ReturnType<typeof createGateway>;
