// Prometheus request counters and durations for every GraphQL request (whichever door).
import type { Plugin } from 'graphql-yoga';
import type { ServerContext } from './context.js';
import type { GatewayMetrics } from './metrics.js';
import { onRequestEnd } from './use-request-trace.js';

export function useMetrics(metrics: GatewayMetrics): Plugin<ServerContext> {
  return onRequestEnd((trace, status) => {
    const result = trace.result ?? (status >= 400 ? 'BAD_REQUEST' : 'OK');
    metrics.observeRequest(trace.operation ?? 'none', result, (performance.now() - trace.start) / 1000);
  });
}
