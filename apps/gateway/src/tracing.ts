// The tracer provider the gateway runs with: spans are made (and `traceparent` sent on to DBSS)
// always; they leave the process only when an OTLP endpoint is configured.
import type { TracerProvider } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * A span processor: any @opentelemetry/sdk-trace-base SpanProcessor fits. Declared here, with the
 * provider below, so the published types need only @opentelemetry/api (the SDK is bundled, not installed).
 */
export interface SpanProcessor {
  onStart(span: unknown, parentContext: unknown): void;
  onEnd(span: unknown): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The provider createTracerProvider makes: a TracerProvider that can flush and shut down. */
export interface GatewayTracerProvider extends TracerProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TracerProviderOptions {
  /** Where finished spans go (none: spans are made and dropped). Tests pass an in-memory exporter's. */
  spanProcessors?: SpanProcessor[];
  /** @default 'dbss-obs-gateway' */
  serviceName?: string;
}

/** Providers made here without a span processor (one cannot be added later): their spans go nowhere. */
const recordingNothing = new WeakSet<TracerProvider>();

export function createTracerProvider(opts: TracerProviderOptions = {}): GatewayTracerProvider {
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
