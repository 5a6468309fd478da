import { GraphQLError } from "graphql";
import { isDatabaseUnavailable } from "../db/errors.js";
import { AccessError } from "../domain.js";
import type { Logger } from "../log.js";
import { accessErrorToGraphQL } from "./access.js";

/**
 * What a client may see of an error: access refusals with their status,
 * GraphQL's own errors as they are, a database outage as 503; anything else
 * becomes "Unexpected error." (no stack, no SQL, no secret) and is logged.
 */
export function createMaskError(log: Logger) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? undefined) : error;
    const path = error instanceof GraphQLError ? error.path : undefined;
    if (original instanceof AccessError) {
      if (original.code === "SERVICE_UNAVAILABLE") {
        log.warn({ msg: "check could not be made", err: String((original.cause as Error | undefined)?.message ?? "") });
      }
      return accessErrorToGraphQL(original);
    }
    if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) return error;
    if (isDatabaseUnavailable(original)) {
      log.warn({ msg: "database unavailable", err: (original as Error).message?.slice(0, 300) });
      return new GraphQLError("The database is unavailable; retry.", {
        path,
        extensions: { code: "SERVICE_UNAVAILABLE", http: { status: 503 } },
      });
    }
    log.error({
      msg: "unexpected error",
      err: (original as Error | undefined)?.message?.slice(0, 500),
      name: (original as Error | undefined)?.name,
      path: path?.join("."),
    });
    return new GraphQLError(message, { path, extensions: { code: "INTERNAL_SERVER_ERROR" } });
  };
}
