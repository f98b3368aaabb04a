// Which executor runs validated documents. `jit` compiles each document once with graphql-jit (the same
// results in a fraction of the time); `graphql-js` keeps Yoga's own (@graphql-tools/executor, graphql-js's
// algorithm). Either way a document answers with the same HTTP status and error codes (test/differential).
import { useGraphQlJit } from '@envelop/graphql-jit';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { mapMaybePromise, type Plugin } from 'graphql-yoga';

type ExecuteFunction = Parameters<NonNullable<Plugin['onExecute']>>[0]['executeFn'];

export type Executor = 'jit' | 'graphql-js';

/**
 * A request error (execution never started: variables that do not coerce, a document that does not
 * compile) is a 400 with Yoga's executor, which marks such errors `extensions.http.status: 400`; graphql-jit
 * returns them unmarked (Yoga would answer 200). Marked the same way here, around graphql-jit's execute
 * function only (a result a plugin set, e.g. RATE_LIMITED, keeps its own status), as new errors:
 * graphql-jit's GraphQLError class makes `extensions` read-only.
 */
function markRequestErrors(result: ExecutionResult): ExecutionResult {
  if ('data' in result || !result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map(
      (e) =>
        new GraphQLError(e.message, {
          nodes: e.nodes,
          source: e.source,
          positions: e.positions,
          path: e.path,
          originalError: e.originalError,
          extensions: { ...e.extensions, http: { ...(e.extensions?.http as object | undefined), status: 400 } },
        }),
    ),
  };
}

function useJitRequestErrors(): Plugin {
  // graphql-jit's plugin sets one execute function for good: it is wrapped once.
  let inner: ExecuteFunction | undefined;
  let wrapped: ExecuteFunction | undefined;
  return {
    onExecute({ executeFn, setExecuteFn }) {
      if (executeFn !== inner) {
        const execute = executeFn;
        inner = executeFn;
        wrapped = (args) =>
          mapMaybePromise(execute(args), (result) =>
            Symbol.asyncIterator in result ? result : markRequestErrors(result),
          );
      }
      setExecuteFn(wrapped as ExecuteFunction);
    },
  };
}

/** The plugins for `executor`: none for graphql-js (Yoga's default). */
export function useExecutor(executor: Executor): Plugin[] {
  if (executor === 'graphql-js') return [];
  // A document it cannot compile is answered as a (masked) error; nothing goes to the console.
  return [useGraphQlJit({}, { onError: () => {} }) as Plugin, useJitRequestErrors()];
}
