export type { GatewayConfig } from './config.js';
export { gatewayConfigFromEnv } from './config.js';
export type {
  BucketsCall,
  BucketsOutcome,
  CallerCredential,
  GatewayContext,
  GatewayFailure,
  KeyScope,
  ListBuckets,
  RequestTrace,
  ServerContext,
} from './context.js';
export type { GatewayErrorCode, UpstreamInfo } from './errors.js';
export { gatewayError, toFailure, toGraphQLError } from './errors.js';
export type { GatewayMetrics } from './metrics.js';
export { createMetrics } from './metrics.js';
export type { GatewayServer, ServerOptions } from './server.js';
export { originForm, startGatewayServer } from './server.js';
export type { TracerProviderOptions } from './tracing.js';
export { createTracerProvider, otlpSpanProcessor } from './tracing.js';
export type { ApiKey } from './use-credentials.js';
export type { Executor } from './use-executor.js';
export { TRACER_NAME } from './use-tracing.js';
export { bucketsKeys, useUpstreamCache } from './use-upstream-cache.js';
export type { Gateway, GatewayOptions } from './yoga.js';
export { createGateway, DEFAULT_QUERY, typeDefs } from './yoga.js';
