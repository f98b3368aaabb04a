// OpenTelemetry for every GraphQL request: @envelop/opentelemetry makes the operation span (an
// Envelop onExecute hook, so both doors fire it); this plugin continues the caller's W3C
// `traceparent`, adds a client span around each DBSS call and sends `traceparent` on to DBSS.
import { getCurrentOtelContext, setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry';
import {
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  TraceFlags,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext, ListBuckets, WrapsListBuckets } from './context.js';

export const TRACER_NAME = '@dbss-obs/gateway';

const headersGetter: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

export interface TracingOptions {
  /** Where spans go. Not registered globally: the gateway passes it to its tracers. */
  provider: TracerProvider;
  /**
   * The provider records nothing (no span processor, no exporter): make no spans, only carry the trace
   * on to DBSS — the caller's trace id (or a new one), a new span id for the DBSS call, the caller's
   * flags and tracestate — exactly the `traceparent` the recorded path sends. @default false
   */
  propagateOnly?: boolean;
}

export function useTracing(opts: TracingOptions): Plugin<GatewayContext> & WrapsListBuckets {
  if (opts.propagateOnly) return usePropagation();
  // An instance, not the global propagator: nothing here changes process-wide OpenTelemetry state.
  const propagator = new W3CTraceContextPropagator();
  const tracer = opts.provider.getTracer(TRACER_NAME);

  const traced =
    (inner: ListBuckets): ListBuckets =>
    (call, ctx) => {
      const parent = getCurrentOtelContext(ctx);
      const span = tracer.startSpan(
        'DBSS ListAuditObsBuckets',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': 'GET',
            'url.template': '/v2/{project_id}/audit/backup/obs-buckets',
            'dbss.region': call.region ?? '',
          },
        },
        parent,
      );
      const headers: Record<string, string> = call.headers ? { ...call.headers } : {};
      propagator.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
      // No async wrapper: docs/performance.md, "V8 notes": promises.
      return inner(Object.assign({}, call, { headers }), ctx).then(
        (outcome) => {
          if (outcome.meta.status !== undefined) span.setAttribute('http.response.status_code', outcome.meta.status);
          if (outcome.meta.requestId) span.setAttribute('dbss.request_id', outcome.meta.requestId);
          if (!outcome.ok) {
            span.setAttribute('error.type', outcome.failure?.code ?? 'INTERNAL');
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
          return outcome;
        },
        (err: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          throw err;
        },
      );
    };

  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        // No document, variables, results or per-resolver spans: they cost time and may carry caller data.
        useOpenTelemetry(
          { resolvers: false, variables: false, result: false, document: false },
          opts.provider,
          SpanKind.SERVER,
          {},
          TRACER_NAME,
        ) as Plugin<GatewayContext>,
      );
    },
    onContextBuilding({ context }) {
      const headers = (context as { request?: Request }).request?.headers;
      if (headers?.has('traceparent'))
        setCurrentOtelContext(context, propagator.extract(ROOT_CONTEXT, headers, headersGetter));
    },
    wrapListBuckets: traced,
  };
}

/**
 * Per request, on its context: its trace (made on its first DBSS call; every call of a request shares
 * it). A property, not a WeakMap entry: docs/performance.md, "V8 notes": per-request state.
 */
const TRACE_ROOT = Symbol('dbss-obs.trace-root');

/**
 * Tracing whose spans nobody receives: no span objects, no OpenTelemetry context per request, only the
 * W3C headers toward DBSS. What DBSS sees matches the recorded path: the caller's trace continued (a new
 * one, sampled, without a valid traceparent), the DBSS call's own span id as parent, flags and tracestate kept.
 */
function usePropagation(): Plugin<GatewayContext> & WrapsListBuckets {
  const propagator = new W3CTraceContextPropagator();
  const ids = new RandomIdGenerator();

  const traceOf = (ctx: GatewayContext & { [TRACE_ROOT]?: SpanContext }): SpanContext => {
    let root = ctx[TRACE_ROOT];
    if (!root) {
      const headers = (ctx as { request?: Request }).request?.headers;
      const remote = headers?.has('traceparent')
        ? trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, headersGetter))
        : undefined;
      root = remote ?? { traceId: ids.generateTraceId(), spanId: '', traceFlags: TraceFlags.SAMPLED };
      ctx[TRACE_ROOT] = root;
    }
    return root;
  };

  const propagated =
    (inner: ListBuckets): ListBuckets =>
    (call, ctx) => {
      const root = traceOf(ctx);
      const span: SpanContext = {
        traceId: root.traceId,
        spanId: ids.generateSpanId(),
        traceFlags: root.traceFlags,
        traceState: root.traceState,
      };
      const headers: Record<string, string> = call.headers ? { ...call.headers } : {};
      propagator.inject(trace.setSpanContext(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
      // Object.assign, not `{ ...call, headers }`: docs/performance.md, "V8 notes": spreads.
      return inner(Object.assign({}, call, { headers }), ctx);
    };

  return { wrapListBuckets: propagated };
}
