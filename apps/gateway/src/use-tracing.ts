// OpenTelemetry for every GraphQL request: @envelop/opentelemetry makes the operation span (an
// Envelop onExecute hook, so both doors fire it); this plugin continues the caller's W3C
// `traceparent`, adds a client span around each DBSS call and sends `traceparent` on to DBSS.
import { getCurrentOtelContext, setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry';
import {
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Plugin } from 'graphql-yoga';
import { type GatewayContext, type ListBuckets, wrapOnce } from './context.js';

export const TRACER_NAME = '@dbss-obs/gateway';

const headersGetter: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

export interface TracingOptions {
  /** Where spans go. Not registered globally: the gateway passes it to its tracers. */
  provider: TracerProvider;
}

export function useTracing(opts: TracingOptions): Plugin<GatewayContext> {
  // An instance, not the global propagator: nothing here changes process-wide OpenTelemetry state.
  const propagator = new W3CTraceContextPropagator();
  const tracer = opts.provider.getTracer(TRACER_NAME);
  const wrappers = new WeakMap<ListBuckets, ListBuckets>();

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
      // No async wrapper: one promise fewer per call on the hot path.
      return inner({ ...call, headers }, ctx).then(
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
    onContextBuilding({ context, extendContext }) {
      const headers = (context as { request?: Request }).request?.headers;
      if (headers?.has('traceparent'))
        setCurrentOtelContext(context, propagator.extract(ROOT_CONTEXT, headers, headersGetter));
      extendContext({ listBuckets: wrapOnce(wrappers, context.listBuckets, traced) });
    },
  };
}
