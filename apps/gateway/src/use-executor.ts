// Which executor runs validated documents. `jit` compiles each document once with graphql-jit (the same
// results in a fraction of the time); `graphql-js` keeps Yoga's own (@graphql-tools/executor, graphql-js's
// algorithm). Either way a document answers with the same HTTP status and error codes (test/differential).
import { useGraphQlJit } from '@envelop/graphql-jit';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export type Executor = 'jit' | 'graphql-js';

/**
 * A request error (execution never started: variables that do not coerce, a document that does not
 * compile) is a 400 with Yoga's executor, which marks such errors `extensions.http.status: 400`; graphql-jit
 * returns them unmarked (Yoga would answer 200). Marked the same way here, so both answer alike (as new
 * errors: graphql-jit's own GraphQLError class makes `extensions` read-only).
 */
const jitRequestErrors: Plugin = {
  onExecute() {
    return {
      onExecuteDone({ result, setResult }) {
        if (Symbol.asyncIterator in result || 'data' in result || !result.errors?.length) return;
        setResult({
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
        });
      },
    };
  },
};

/** The plugins for `executor`: none for graphql-js (Yoga's default). */
export function useExecutor(executor: Executor): Plugin[] {
  if (executor === 'graphql-js') return [];
  // A document it cannot compile is answered as a (masked) error; nothing goes to the console.
  return [useGraphQlJit({}, { onError: () => {} }) as Plugin, jitRequestErrors];
}
