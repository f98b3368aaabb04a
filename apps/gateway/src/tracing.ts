// The tracer provider the gateway runs with: spans are made (and `traceparent` sent on to DBSS)
// always; they leave the process only when an OTLP endpoint is configured.
import type { TracerProvider } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracerProviderOptions {
  /** Where finished spans go (none: spans are made and dropped). Tests pass an in-memory exporter's. */
  spanProcessors?: SpanProcessor[];
  /** @default 'dbss-obs-gateway' */
  serviceName?: string;
}

/** Providers made here without a span processor (one cannot be added later): their spans go nowhere. */
const recordingNothing = new WeakSet<TracerProvider>();

export function createTracerProvider(opts: TracerProviderOptions = {}): BasicTracerProvider {
  const spanProcessors = opts.spanProcessors ?? [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName ?? 'dbss-obs-gateway' }),
    spanProcessors,
  });
  if (spanProcessors.length === 0) recordingNothing.add(provider);
  return provider;
}

/**
 * True for a provider from createTracerProvider with no span processor: every span it makes is dropped
 * unseen, so the gateway only has to carry the trace on to DBSS (`traceparent`), not make spans.
 */
export function recordsNothing(provider: TracerProvider): boolean {
  return recordingNothing.has(provider);
}

/**
 * Batches spans to OTLP/HTTP; the exporter reads the standard OTEL_EXPORTER_OTLP_* variables.
 * Loaded only when exporting: the exporter pulls in protobuf and metrics/logs SDK code.
 */
export async function otlpSpanProcessor(): Promise<SpanProcessor> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new BatchSpanProcessor(new OTLPTraceExporter());
}
