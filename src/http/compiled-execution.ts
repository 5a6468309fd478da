import { type ExecutionResult, type GraphQLError, getVariableValues, type OperationDefinitionNode } from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import { makeExecute, type Plugin } from "graphql-yoga";
import { rewritten } from "./mask-errors.js";
import { selectOperation } from "./operation.js";

/**
 * Queries and mutations run as graphql-jit compiles them: discovery's ~200
 * fields resolve and serialise in a fraction of graphql-js's time.
 *
 * Compiled code is kept per operation node, never per document: a document
 * holding several operations compiles each one alone, and a request runs
 * the operation its `operationName` selects, the one the access rules
 * judged (selectOperation), whatever ran before from the same text. (Keyed
 * by document, as @envelop/graphql-jit does, an admin's `mutation Kill` was
 * replayed for a caller with no token who named `query Ping` in the same
 * text.) An operation node belongs to one parsed document, so its fragments
 * are that document's.
 *
 * Subscriptions keep graphql-js's executor. graphql-jit (0.8) calls a
 * subscription field's `subscribe` with the operation's variables in place
 * of the field's arguments: `workspaceEvents(workspaceId: $id)` would stream
 * every workspace's events. test/api/reads.test.ts subscribes exactly so.
 */
export function useCompiledExecution(): Plugin[] {
  const compiled = new WeakMap<OperationDefinitionNode, CompiledQuery | ExecutionResult>();
  const execute = makeExecute((args) => {
    const operation = selectOperation(args.document, args.operationName);
    if (!operation) throw new Error("compiled execution reached without an operation");
    let entry = compiled.get(operation);
    if (!entry) {
      entry = compileQuery(args.schema, args.document, operation.name?.value);
      compiled.set(operation, entry);
    }
    if (!isCompiledQuery(entry)) return entry;
    return entry.query(args.rootValue, args.contextValue, args.variableValues);
  });
  return [
    {
      onExecute({ args, setExecuteFn }) {
        // No operation selected: graphql-js's executor reports why ("Must provide operation name").
        const operation = selectOperation(args.document, args.operationName);
        if (operation && operation.operation !== "subscription") setExecuteFn(execute);
      },
    },
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
        const op = selectOperation(args.document, args.operationName);
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
  return rewritten(error, error.message, { ...error.extensions, http: { status: 400 } });
}
