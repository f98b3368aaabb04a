// The tracer provider the gateway runs with: spans are made (and `traceparent` sent on to DBSS)
// always; they leave the process only when an OTLP endpoint is configured.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracerProviderOptions {
  /** Export with OTLP/HTTP (the exporter reads the standard OTEL_EXPORTER_OTLP_* variables). @default false */
  otlp?: boolean;
  /** Other processors (tests: a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  /** @default 'dbss-obs-gateway' */
  serviceName?: string;
}

export function createTracerProvider(opts: TracerProviderOptions = {}): BasicTracerProvider {
  const spanProcessors = [...(opts.spanProcessors ?? [])];
  if (opts.otlp) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName ?? 'dbss-obs-gateway' }),
    spanProcessors,
  });
}
