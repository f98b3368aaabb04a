// Validation rules of the gateway's own, beside graphql-js's standard ones, at both doors: a document of
// an operation type the schema lacks (mutation, subscription) and, when it is turned off, introspection
// are refused at validation, so no executor (JIT or graphql-js) ever sees them and nothing reaches DBSS.
import {
  type ASTVisitor,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A 400 whatever the Accept: Yoga answers other validation errors 200 under `application/json` (the
 * GraphQL-over-HTTP spec's legacy media type), but these are refusals of the request, not mistakes in it.
 * (A new object per error: Yoga writes into `extensions.http`.)
 */
const refused = () => ({ http: { status: 400, spec: false } });

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
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(KnownOperationTypesRule);
      if (!opts.introspection) addValidationRule(NoIntrospectionRule);
    },
  };
}
