// Rules of the gateway's own, beside graphql-js's standard ones, at both doors, so no executor (JIT or
// graphql-js) ever sees what they refuse and nothing reaches DBSS:
// - a document of an operation type the schema lacks (mutation, subscription): refused as soon as it is
//   parsed, a 400 for GET and POST alike (checked later, Yoga would answer a GET mutation 405);
// - introspection, when it is turned off: refused at validation, a 400.
import {
  type ASTVisitor,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  type ValidationContext,
  validate,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A 400 whatever the Accept: Yoga answers other validation errors 200 under `application/json` (the
 * GraphQL-over-HTTP spec's legacy media type), but these are refusals of the request, not mistakes in it.
 * (A new object per error: Yoga writes into `extensions.http`.)
 */
const refused = () => ({ code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400, spec: false } });

/**
 * graphql-js 17's KnownOperationTypesRule, for graphql 16, which leaves the check to execution: there
 * graphql-js answers 200 with `data: null`, and graphql-jit throws "No root type for operation" (a 500).
 */
export function KnownOperationTypesRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node: OperationDefinitionNode) {
      if (context.getSchema().getRootType(node.operation)) return;
      context.reportError(
        new GraphQLError(
          `The ${node.operation} operation is not supported by the schema: this API only answers queries.`,
          {
            nodes: node,
            extensions: refused(),
          },
        ),
      );
    },
  };
}

/** graphql-js's NoSchemaIntrospectionCustomRule (`__schema`, `__type`; `__typename` stays), its reports made refusals. */
export function NoIntrospectionRule(context: ValidationContext): ASTVisitor {
  const view: ValidationContext = Object.create(context, {
    reportError: {
      value: (e: GraphQLError) =>
        context.reportError(new GraphQLError(e.message, { nodes: e.nodes, extensions: refused() })),
    },
  });
  return NoSchemaIntrospectionCustomRule(view);
}

export interface DocumentRulesOptions {
  /** Answer `__schema` and `__type`. */
  introspection: boolean;
}

export function useDocumentRules(opts: DocumentRulesOptions): Plugin {
  let schema: GraphQLSchema | undefined;
  // Documents are cached by Yoga's parser cache: each is checked once.
  const checked = new WeakMap<DocumentNode, GraphQLError | null>();
  const unknownOperationType = (document: DocumentNode): GraphQLError | null => {
    let error = checked.get(document);
    if (error === undefined) {
      error = schema ? (validate(schema, document, [KnownOperationTypesRule])[0] ?? null) : null;
      checked.set(document, error);
    }
    return error;
  };
  return {
    onSchemaChange({ schema: next }) {
      schema = next;
    },
    // After the parse, before Yoga's own after-parse check (registered later) would answer a GET mutation
    // 405. Thrown, not put in place of the document: Yoga's check would turn the 400 into a spec status
    // (200 under application/json) as it does for syntax errors.
    onParse() {
      return ({ result }) => {
        if (!result || result instanceof Error) return;
        const error = unknownOperationType(result as DocumentNode);
        if (error) throw error;
      };
    },
    onValidate({ addValidationRule }) {
      if (!opts.introspection) addValidationRule(NoIntrospectionRule);
    },
  };
}
