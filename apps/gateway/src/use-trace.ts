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

/** Operation name (truncated) and a label of root fields checked against the schema (a bounded set). */
export function describeOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
  rootFields: ReadonlySet<string>,
): { operationName?: string; operation: string } {
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
 * Fills the request trace (operation, result code) and hands every document that passed
 * validation, armor limits included, to `onValidDocument` (the fast path's prepared operations).
 */
export function useTrace(
  rootFields: ReadonlySet<string>,
  onValidDocument?: (source: string, document: DocumentNode) => void,
): Plugin<ServerContext> {
  return {
    onValidate({ params }) {
      if (!onValidDocument) return;
      return ({ valid }) => {
        const source = params.documentAST.loc?.source.body;
        if (valid && source) onValidDocument(source, params.documentAST);
      };
    },
    onExecute({ args }) {
      const trace = (args.contextValue as ServerContext).trace;
      if (!trace) return;
      Object.assign(trace, describeOperation(args.document, args.operationName, rootFields));
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
