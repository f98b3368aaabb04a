import type { Upstream } from './upstream.js';

/** Filled in while a request runs; read by the access log and metrics once it ends. */
export interface RequestTrace {
  requestId: string;
  start: number;
  operationName?: string;
  /** Root fields of the executed operation, checked against the schema (safe as a metric label). */
  operation?: string;
  /** `OK` or the first error's extensions.code. */
  result?: string;
  /** `fast` when the prepared-operation fast path answered, else Yoga did. */
  via?: 'fast' | 'yoga';
  upstreamStatus?: number;
  upstreamRequestId?: string;
}

/** Per-request values handed to Yoga as the server context. */
export interface ServerContext {
  trace: RequestTrace;
}

export interface GatewayContext extends ServerContext {
  upstream: Upstream;
  /** Caller credential: the IAM token (token mode) or the gateway API-key id (AK/SK mode). */
  credential: { token?: string; callerId?: string } | undefined;
}
