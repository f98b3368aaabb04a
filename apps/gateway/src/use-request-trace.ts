// Per-request facts for the access log and metrics: which operation ran (root fields checked against
// the schema, so a bounded metric label) and its result code. GraphQL-level hooks only: the server
// writes the access line and request metrics when the exchange ends (server.ts, requestEnded).
import { type DocumentNode, type ExecutionResult, Kind, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { newTrace, type ServerContext } from './context.js';

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'UPSTREAM_BAD_REQUEST',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** The first error's code, from a bounded set (it becomes a metric label). */
export function resultCode(result: ExecutionResult): string {
  const first = result.errors?.[0];
  if (!first) return 'OK';
  const code = first.extensions?.code;
  if (typeof code === 'string' && KNOWN_CODES.has(code)) return code;
  return first.extensions?.unexpected ? 'INTERNAL' : 'OTHER';
}

function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return name ? ops.find((o) => o.name?.value === name) : ops[0];
}

export interface OperationLabel {
  operationName?: string;
  operation: string;
}

/** Operation name (truncated) and a label of root fields checked against the schema (a bounded set). */
export function describeOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
  rootFields: ReadonlySet<string>,
): OperationLabel {
  const op = operationOf(document, operationName);
  const fields = new Set<string>();
  for (const sel of op?.selectionSet.selections ?? []) {
    if (sel.kind === Kind.FIELD) fields.add(rootFields.has(sel.name.value) ? sel.name.value : 'other');
    else fields.add('fragment');
  }
  return {
    operationName: op?.name?.value?.slice(0, 64),
    operation: `${op?.operation ?? 'query'} ${[...fields].sort().join(',')}`,
  };
}

/**
 * Fills the request trace: a trace for in-process calls (the HTTP server brings its own), the
 * operation label on execute, the result code once the result is known.
 */
export function useRequestTrace(rootFields: ReadonlySet<string>): Plugin<ServerContext> {
  // Parsed documents are cached by Yoga, so labels are derived once per document and operation name.
  const labels = new WeakMap<DocumentNode, Map<string | undefined, OperationLabel>>();
  return {
    onParams({ context, request }) {
      const ctx = context as Partial<ServerContext>;
      ctx.trace ??= newTrace(request.headers.get('x-request-id'));
    },
    onExecute({ args }) {
      const trace = (args.contextValue as Partial<ServerContext>).trace;
      if (!trace) return;
      const name = args.operationName ?? undefined;
      let byName = labels.get(args.document);
      if (!byName) {
        byName = new Map();
        labels.set(args.document, byName);
      }
      let label = byName.get(name);
      if (!label) {
        label = describeOperation(args.document, name, rootFields);
        // Names come from callers: keep a few per document, not one per name ever sent.
        if (byName.size < 16) byName.set(name, label);
      }
      trace.operationName = label.operationName;
      trace.operation = label.operation;
    },
    onExecutionResult({ result, context }) {
      const trace = (context as Partial<ServerContext>).trace;
      if (!trace || trace.result) return;
      const first = Array.isArray(result) ? result[0] : result;
      if (first && typeof first === 'object' && !(Symbol.asyncIterator in first))
        trace.result = resultCode(first as ExecutionResult);
    },
  };
}
