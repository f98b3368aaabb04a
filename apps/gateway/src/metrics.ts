// Prometheus metrics. Labels come from bounded sets only: never a caller's text.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  observeRequest(operation: string, result: string, seconds: number): void;
  observeUpstream(status: string, seconds: number): void;
  coalesced(): void;
  /** A kept answer stood in for a failed DBSS call (GATEWAY_STALE_MS). */
  staleServed(): void;
  /** A value read back from the shared store did not verify (tag, shape or time) and was a miss. */
  storeRejected(): void;
  /** Exposes dbss_gateway_redis_up (1 while shared state lives in Redis, 0 while it falls back). */
  watchRedis(up: () => boolean): void;
  /**
   * Adds a source to dbss_gateway_requests_in_flight (HTTP requests a listener is handling, read at scrape
   * time: no per-request cost). Returns the function that removes it again.
   */
  watchInFlight(count: () => number): () => void;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dbss_gateway_' });
  const requests = new Counter({
    name: 'dbss_gateway_requests_total',
    help: 'GraphQL requests by operation (root fields) and result code',
    labelNames: ['operation', 'result'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dbss_gateway_request_duration_seconds',
    help: 'GraphQL request duration by operation and result code',
    labelNames: ['operation', 'result'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const upstream = new Counter({
    name: 'dbss_gateway_upstream_requests_total',
    help: 'HTTP attempts to DBSS by status (or timeout/error)',
    labelNames: ['status'],
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'dbss_gateway_upstream_request_duration_seconds',
    help: 'Duration of HTTP attempts to DBSS by status',
    labelNames: ['status'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const coalesced = new Counter({
    name: 'dbss_gateway_upstream_coalesced_total',
    help: 'Calls that shared an identical upstream call already in flight',
    registers: [registry],
  });
  const stale = new Counter({
    name: 'dbss_gateway_stale_answers_total',
    help: 'Answers served from a kept copy because DBSS failed (5xx, timeout, unreachable): GATEWAY_STALE_MS',
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'dbss_gateway_store_rejected_total',
    help: 'Values read back from Redis whose HMAC tag, shape or time did not verify (served as misses)',
    registers: [registry],
  });
  const inFlightSources = new Set<() => number>();
  new Gauge({
    name: 'dbss_gateway_requests_in_flight',
    help: 'HTTP requests on the API port being handled now (a scrape of this page not included)',
    registers: [registry],
    collect() {
      let n = 0;
      for (const count of inFlightSources) n += count();
      this.set(n);
    },
  });
  return {
    registry,
    watchInFlight(count) {
      inFlightSources.add(count);
      return () => inFlightSources.delete(count);
    },
    storeRejected() {
      rejected.inc();
    },
    observeRequest(operation, result, seconds) {
      requests.inc({ operation, result });
      duration.observe({ operation, result }, seconds);
    },
    observeUpstream(status, seconds) {
      upstream.inc({ status });
      upstreamDuration.observe({ status }, seconds);
    },
    coalesced() {
      coalesced.inc();
    },
    staleServed() {
      stale.inc();
    },
    watchRedis(up) {
      new Gauge({
        name: 'dbss_gateway_redis_up',
        help: '1 while cache, coalescing and limits are shared through Redis; 0 while this replica falls back to its own',
        registers: [registry],
        collect() {
          this.set(up() ? 1 : 0);
        },
      });
    },
  };
}
