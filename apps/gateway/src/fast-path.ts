// Serves repeats of operations that Yoga has already parsed and validated (armor limits included)
// without Yoga's per-request pipeline: profiling showed most of the time in Request/Response
// conversion and the plugin chain, not in the resolver. Anything else goes to Yoga unchanged.
import type { IncomingMessage } from 'node:http';
import { type DocumentNode, type ExecutionResult, execute, GraphQLError, type GraphQLSchema } from 'graphql';
import type { GatewayContext, RequestTrace } from './context.js';
import { describeOperation, resultCode } from './use-trace.js';

interface Prepared {
  document: DocumentNode;
  /** describeOperation per operation name: derived once, not walked on every request. */
  described: Map<string | undefined, ReturnType<typeof describeOperation>>;
}

const MAX_PREPARED = 1000;
const MAX_BODY = 64 * 1024;

export interface FastPathOptions {
  schema: GraphQLSchema;
  rootFields: ReadonlySet<string>;
  contextFor(headers: IncomingMessage['headers'], trace: RequestTrace): GatewayContext;
}

export interface FastPath {
  /** Yoga validated `source` without errors: later identical requests may take the fast path. */
  remember(source: string, document: DocumentNode): void;
  /** True when the request's headers allow a fast answer (plain JSON in and out, no CORS). */
  eligible(req: IncomingMessage): boolean;
  /**
   * Answers from a buffered JSON body, or returns undefined when the body is not a prepared
   * operation (the caller then hands it to Yoga).
   */
  run(body: Buffer, headers: IncomingMessage['headers'], trace: RequestTrace): Promise<string> | undefined;
}

export function createFastPath(opts: FastPathOptions): FastPath {
  const prepared = new Map<string, Prepared>();
  return {
    remember(source, document) {
      if (prepared.has(source) || source.length > MAX_BODY) return;
      if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value as string);
      prepared.set(source, { document, described: new Map() });
    },
    eligible(req) {
      if (req.method !== 'POST' || req.headers.origin) return false;
      const type = req.headers['content-type'];
      if (!type || !/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(type)) return false;
      const accept = req.headers.accept;
      // Yoga answers these with application/json and status 200 whatever the result: so do we.
      return accept === undefined || accept === '*/*' || accept === 'application/json';
    },
    run(body, headers, trace) {
      if (prepared.size === 0 || body.length > MAX_BODY) return undefined;
      let params: { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown };
      try {
        params = JSON.parse(body.toString('utf8'));
      } catch {
        return undefined;
      }
      if (!params || typeof params !== 'object' || typeof params.query !== 'string') return undefined;
      const hit = prepared.get(params.query);
      if (!hit || params.extensions !== undefined) return undefined;
      const variables = params.variables ?? undefined;
      if (variables !== undefined && (variables === null || typeof variables !== 'object' || Array.isArray(variables)))
        return undefined;
      const operationName = typeof params.operationName === 'string' ? params.operationName : undefined;
      if (params.operationName !== undefined && params.operationName !== null && operationName === undefined)
        return undefined;
      let described = hit.described.get(operationName);
      if (!described) {
        described = describeOperation(hit.document, operationName, opts.rootFields);
        // Names come from callers: keep a few per document, not one per name ever sent.
        if (hit.described.size < 16) hit.described.set(operationName, described);
      }
      Object.assign(trace, described);
      const result = execute({
        schema: opts.schema,
        document: hit.document,
        variableValues: variables as Record<string, unknown> | undefined,
        operationName,
        contextValue: opts.contextFor(headers, trace),
      });
      return Promise.resolve(result).then((r) => {
        const masked = mask(r as ExecutionResult);
        trace.result = resultCode(masked);
        return JSON.stringify(masked);
      });
    },
  };
}

/** Yoga's masking, for the fast path: only errors raised on purpose (GraphQLError) keep their message. */
function mask(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  const errors = result.errors.map((e) =>
    e.originalError && !(e.originalError instanceof GraphQLError)
      ? new GraphQLError('Unexpected error.', { nodes: e.nodes, path: e.path, extensions: { unexpected: true } })
      : e,
  );
  return { ...result, errors };
}
