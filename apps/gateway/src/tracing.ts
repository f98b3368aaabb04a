// The tracer provider the gateway runs with: spans are made (and `traceparent` sent on to DBSS)
// always; they leave the process only when an OTLP endpoint is configured.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracerProviderOptions {
  /** Where finished spans go (none: spans are made and dropped). Tests pass an in-memory exporter's. */
  spanProcessors?: SpanProcessor[];
  /** @default 'dbss-obs-gateway' */
  serviceName?: string;
}

export function createTracerProvider(opts: TracerProviderOptions = {}): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName ?? 'dbss-obs-gateway' }),
    spanProcessors: opts.spanProcessors ?? [],
  });
}

/**
 * Batches spans to OTLP/HTTP; the exporter reads the standard OTEL_EXPORTER_OTLP_* variables.
 * Loaded only when exporting: the exporter pulls in protobuf and metrics/logs SDK code.
 */
export async function otlpSpanProcessor(): Promise<SpanProcessor> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new BatchSpanProcessor(new OTLPTraceExporter());
}
