import { AsyncLocalStorage } from "node:async_hooks";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { isDatabaseUnavailable } from "../db/errors.js";
import { AccessError } from "../domain.js";
import type { Logger } from "../log.js";
import { accessErrorToGraphQL } from "./access.js";

/**
 * What a client may see of an error: access refusals with their status,
 * GraphQL's own errors as they are, a database outage as 503; anything else
 * becomes "Unexpected error." (no stack, no SQL, no secret) and is logged.
 */
export function createMaskError(log: Logger, options: { suggestions?: boolean } = {}) {
  const shown = options.suggestions === false ? withoutSuggestions : (e: GraphQLError) => e;
  return (error: unknown, message: string): Error => {
    const scoped = operationScope.getStore() ?? log;
    const original = error instanceof GraphQLError ? (error.originalError ?? undefined) : error;
    const path = error instanceof GraphQLError ? error.path : undefined;
    if (original instanceof AccessError) {
      if (original.code === "SERVICE_UNAVAILABLE") {
        scoped.warn({
          msg: "check could not be made",
          err: String((original.cause as Error | undefined)?.message ?? ""),
        });
      }
      return accessErrorToGraphQL(original);
    }
    if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError))
      return shown(withoutInvalidValue(error));
    if (isDatabaseUnavailable(original)) {
      scoped.warn({ msg: "database unavailable", err: (original as Error).message?.slice(0, 300) });
      return new GraphQLError("The database is unavailable; retry.", {
        path,
        extensions: { code: "SERVICE_UNAVAILABLE", http: { status: 503 } },
      });
    }
    // pino's err serializer (src/log.ts) writes its type, message and stack.
    scoped.error({ msg: "unexpected error", err: original, path: path?.join(".") });
    return new GraphQLError(message, { path, extensions: { code: "INTERNAL_SERVER_ERROR" } });
  };
}

/**
 * The logger of the operation being executed (bound to its request id), for
 * the log line of an error masked inside it: yoga's maskError is given the
 * error alone.
 */
const operationScope = new AsyncLocalStorage<Logger>();

/** Runs execution and subscription inside their request's logger scope (yoga plugin). */
export function useErrorScope(): Plugin<{ log?: Logger }> {
  const inScope = ({ context }: { context: { log?: Logger } }, wrapped: () => unknown) =>
    context.log ? operationScope.run(context.log, wrapped) : wrapped();
  return { instrumentation: { execute: inScope, subscribe: inScope } } as Plugin<{ log?: Logger }>;
}

const INVALID_VARIABLE = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" got invalid value /;
const AT_PATH = / at "[_A-Za-z][_0-9A-Za-z]*(?:\.[_A-Za-z][_0-9A-Za-z]*|\[\d+\])*"; /g;

/**
 * graphql-js quotes a whole invalid variable in its message, secret values
 * included (a secret beside an unknown field): keep where and why, never what.
 */
export function withoutInvalidValue(error: GraphQLError): GraphQLError {
  const head = INVALID_VARIABLE.exec(error.message)?.[0];
  if (!head) return error;
  const rest = error.message.slice(head.length);
  // The value comes first and may contain anything: take the last separator.
  const at = [...rest.matchAll(AT_PATH)].pop();
  const cut = at?.index ?? rest.lastIndexOf("; ");
  const why = cut < 0 ? "." : rest.slice(cut).replace(/(cannot represent[^:]*):[\s\S]*$/, "$1.");
  return new GraphQLError(`${head}(not shown)${why}`, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

// graphql-js's didYouMean: ` Did you mean "a"?`, ` Did you mean "a" or "b"?`, ...
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** The same error without graphql-js's "Did you mean ...?" (field, argument, type and value names). */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  if (!SUGGESTION.test(error.message)) return error;
  SUGGESTION.lastIndex = 0;
  return new GraphQLError(error.message.replace(SUGGESTION, ""), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/**
 * With introspection off the schema is not for strangers to read, and a
 * suggestion names fields a caller did not know: validation errors (HTTP
 * and graphql-ws alike) lose their suggestions. Variable coercion errors
 * lose them in the mask (createMaskError's `suggestions: false`).
 */
export function useNoSuggestions(): Plugin {
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map((e) => (e instanceof GraphQLError ? withoutSuggestions(e) : e)));
      },
  };
}
