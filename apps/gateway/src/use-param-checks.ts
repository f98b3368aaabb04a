// GraphQL-over-HTTP parameters that do not parse are the caller's mistake: 400 (whatever the Accept) with a GraphQL error
// naming the parameter, never a 500. Yoga's GET and form parsers JSON.parse `variables` and
// `extensions` unguarded, and nothing checks that `operationName` is a string.
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

const badRequest = (message: string) =>
  createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });

/**
 * Yoga's "POST body sent invalid JSON." carries `extensions.originalError`: JSON.parse's message, which
 * quotes the body (a token or key pasted into it would come back in the answer and in any log of it).
 * The same error without it.
 */
function withoutEcho(err: GraphQLError): GraphQLError {
  if (!err.extensions || !('originalError' in err.extensions)) return err;
  const { originalError: _quote, http, ...extensions } = err.extensions;
  // A 400 whatever the Accept, as Yoga answers it with the quote (its status rule looks for one).
  return createGraphQLError(err.message, {
    extensions: { ...extensions, http: { ...(http as object), status: 400, spec: false } },
  });
}

/** Which JSON parameter of a query string does not parse (for the error message). */
function brokenJsonParam(search: string): string | undefined {
  const params = new URLSearchParams(search);
  for (const name of ['variables', 'extensions']) {
    const value = params.get(name);
    if (!value) continue;
    try {
      JSON.parse(value);
    } catch {
      return name;
    }
  }
  return undefined;
}

export function useParamChecks(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        try {
          return await parse(req);
        } catch (err) {
          // Yoga's own refusals are GraphQL errors with a status already; anything else is a parse failure.
          if (err instanceof Error && err.name === 'GraphQLError') throw withoutEcho(err as GraphQLError);
          // A GET names the broken parameter; a form body has been read already, so its message is general.
          const url = request.url;
          const name = request.method === 'GET' ? brokenJsonParam(url.slice(url.indexOf('?') + 1)) : undefined;
          throw badRequest(
            name
              ? `The "${name}" parameter is not valid JSON: send a URL-encoded JSON object.`
              : 'The GraphQL parameters could not be read: send query, variables, operationName and extensions as documented by GraphQL over HTTP.',
          );
        }
      });
    },
    onParams({ params }) {
      const name = (params as { operationName?: unknown }).operationName;
      if (name !== undefined && name !== null && typeof name !== 'string')
        throw badRequest('"operationName" must be a string (or null).');
    },
  };
}
