import { useGraphQlJit } from "@envelop/graphql-jit";
import { type ExecutionResult, GraphQLError, getOperationAST, getVariableValues } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Queries and mutations run as graphql-jit compiles them, once per parsed
 * document (yoga's parser cache hands out the same one): discovery's ~200
 * fields resolve and serialise in a fraction of graphql-js's time.
 *
 * Subscriptions keep graphql-js's executor. graphql-jit (0.8) calls a
 * subscription field's `subscribe` with the operation's variables in place
 * of the field's arguments: `workspaceEvents(workspaceId: $id)` would stream
 * every workspace's events. test/api/reads.test.ts subscribes exactly so.
 */
export function useCompiledExecution(): Plugin[] {
  return [
    useGraphQlJit(
      {},
      {
        enableIf: (args) =>
          getOperationAST(args.document, args.operationName ?? undefined)?.operation !== "subscription",
      },
    ) as Plugin,
    useRequestErrors(),
  ];
}

/**
 * A result with errors and no `data` never started executing: its variables
 * did not coerce. That is a request error, 400 under GraphQL over HTTP, which
 * graphql-jit does not mark; and its messages name the wrong variable and
 * drop the path. So such a failure is described again by graphql-js's own
 * coercion (nothing ran, so this repeats no work), with a 400 on each error
 * that carries no status of its own (a 401 stays a 401).
 */
function useRequestErrors(): Plugin {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone({ result, setResult }) {
        const r = result as ExecutionResult;
        if (!r.errors?.length || "data" in r) return;
        const op = getOperationAST(args.document, args.operationName ?? undefined);
        const inputs = (args.variableValues ?? {}) as Record<string, unknown>;
        const coerced = op
          ? getVariableValues(args.schema, op.variableDefinitions ?? [], inputs, { maxErrors: 50 })
          : null;
        const errors = coerced?.errors?.length && !r.errors.some((e) => e.extensions?.http) ? coerced.errors : r.errors;
        setResult({ ...r, errors: errors.map(asRequestError) });
      },
    }),
  };
}

function asRequestError(error: GraphQLError): GraphQLError {
  if (error.extensions?.http) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, http: { status: 400 } },
  });
}
