import { GraphQLError } from "graphql";
import { handleStreamOrSingleExecutionResult, type Plugin } from "graphql-yoga";
import { isDatabaseUnavailable } from "../db/errors.js";
import { AccessError } from "../errors.js";
import type { Logger } from "../log.js";
import { accessErrorToGraphQL } from "./access-rules.js";

/**
 * What a client may see of an error: access refusals with their status,
 * GraphQL's own errors as they are, a database outage as 503; anything else
 * becomes "Unexpected error." (no stack, no SQL, no secret) and is logged.
 */
export function createMaskError(log: Logger, options: { suggestions?: boolean } = {}) {
  const shown = options.suggestions === false ? withoutSuggestions : (e: GraphQLError) => e;
  /** `scoped`: the logger of the request the error arose in (useRequestMasking), when known. */
  return (error: unknown, message: string, scoped: Logger = log): Error => {
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

type MaskError = (error: unknown, message: string, scoped?: Logger) => Error;

/**
 * Masks execution and subscription errors where the request's context is
 * at hand, so the log line of a masked error carries its request id. (yoga's
 * maskError is given the error alone; yoga's own masking still runs after
 * this and finds these errors already masked.) An AsyncLocalStorage would
 * carry the logger too, but it turns on Node's promise hooks for every
 * promise of every request: about 17% of offeredModels' CPU (BENCHMARKS.md).
 */
export function useRequestMasking(maskError: MaskError, message = "Unexpected error."): Plugin<{ log?: Logger }> {
  const masking =
    (log: Logger | undefined) =>
    ({ result, setResult }: { result: { errors?: readonly unknown[] }; setResult: (r: never) => void }) => {
      if (result.errors?.length) {
        setResult({ ...result, errors: result.errors.map((e) => maskError(e, message, log)) } as never);
      }
    };
  return {
    onExecute({ args }) {
      const handle = masking(args.contextValue.log);
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, handle as never) };
    },
    onSubscribe({ args }) {
      const log = args.contextValue.log;
      const handle = masking(log);
      return {
        onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, handle as never),
        onSubscribeError: ({ error, setError }) => setError(maskError(error, message, log)),
      };
    },
  };
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
  return rewritten(error, `${head}(not shown)${why}`);
}

/** The same error (where, why, extensions) with another message, or other extensions. */
export function rewritten(error: GraphQLError, message: string, extensions = error.extensions): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
}

// graphql-js's didYouMean: ` Did you mean "a"?`, ` Did you mean "a" or "b"?`, ...
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** The same error without graphql-js's "Did you mean ...?" (field, argument, type and value names). */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  if (!SUGGESTION.test(error.message)) return error;
  SUGGESTION.lastIndex = 0;
  return rewritten(error, error.message.replace(SUGGESTION, ""));
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
