// Records, per request, the executed operation's root fields and its result code in the trace.
import { type DocumentNode, type ExecutionResult, Kind, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ServerContext } from './context.js';

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'UPSTREAM_BAD_REQUEST',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
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

export function useTrace(rootFields: ReadonlySet<string>): Plugin<ServerContext> {
  return {
    onExecute({ args }) {
      const trace = (args.contextValue as ServerContext).trace;
      if (!trace) return;
      const op = operationOf(args.document, args.operationName);
      trace.operationName = op?.name?.value?.slice(0, 64);
      // Field names are checked against the schema (validation has passed), so the label set is bounded.
      const fields = new Set<string>();
      for (const sel of op?.selectionSet.selections ?? []) {
        if (sel.kind === Kind.FIELD) fields.add(rootFields.has(sel.name.value) ? sel.name.value : 'other');
        else fields.add('fragment');
      }
      trace.operation = `${op?.operation ?? 'query'} ${[...fields].sort().join(',')}`;
    },
    onResultProcess({ result, serverContext }) {
      const trace = (serverContext as Partial<ServerContext> | undefined)?.trace;
      if (!trace || trace.result) return;
      const first = Array.isArray(result) ? result[0] : result;
      if (first && typeof first === 'object' && !(Symbol.asyncIterator in first))
        trace.result = resultCode(first as ExecutionResult);
    },
  };
}
