import type { ObjectRef } from "@pothos/core";
import { GraphQLError } from "graphql";
import type { Failure, MissingCredentialFailure, RequestFailure, UnregisteredModelFailure } from "../domain.js";
import { isFailure } from "../domain.js";
import { builder } from "./builder.js";

export const ErrorCode = builder.enumType("ErrorCode", {
  values: [
    "VALIDATION_FAILED",
    "NOT_FOUND",
    "RUNTIME_UNSUPPORTED",
    "MODEL_REQUIRED",
    "UNREGISTERED_MODEL_FOR_RUNTIME",
    "MISSING_BYOK_CREDENTIAL",
    "PLATFORM_AGENT_IDENTITY_GATE",
    "PLATFORM_KIND_FORBIDDEN",
    "CONFLICT",
    "WORKSPACE_FAILED",
    "SECRET_UNREADABLE",
  ] as const,
});

export const ErrorInterface = builder.interfaceRef<Failure>("Error").implement({
  fields: (t) => ({
    code: t.field({ type: ErrorCode, resolve: (e) => e.code }),
    message: t.exposeString("message"),
  }),
});

export const RequestError = builder.objectRef<RequestFailure>("RequestError").implement({
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.string({ nullable: true, resolve: (e) => (e as RequestFailure).field ?? null }) }),
});

export const UnregisteredModelError = builder.objectRef<UnregisteredModelFailure>("UnregisteredModelError").implement({
  interfaces: [ErrorInterface],
  fields: (t) => ({
    runtime: t.exposeString("runtime"),
    model: t.exposeString("model"),
    offeredModels: t.stringList({ resolve: (e) => [...e.offeredModels] }),
  }),
});

export const MissingByokCredentialError = builder
  .objectRef<MissingCredentialFailure>("MissingByokCredentialError")
  .implement({
    interfaces: [ErrorInterface],
    fields: (t) => ({
      runtime: t.exposeString("runtime"),
      model: t.exposeString("model"),
      provider: t.exposeString("provider"),
      acceptedEnv: t.stringList({ resolve: (e) => [...e.acceptedEnv] }),
      suggestedModel: t.string({ nullable: true, resolve: (e) => e.suggestedModel }),
    }),
  });

const errorTypeOf = (f: Failure) =>
  "offeredModels" in f ? UnregisteredModelError : "acceptedEnv" in f ? MissingByokCredentialError : RequestError;

/** A success wrapper tagged with its GraphQL type, so unions resolve without guessing. */
export type Tagged<T> = T & { readonly __success: string };

export const successRef = <T extends object>(name: string) => builder.objectRef<Tagged<T>>(name);

/** `Success | RequestError | ...`: domain failures become data, successes are tagged. */
export function resultUnion<T extends object>(
  name: string,
  success: ObjectRef<any, Tagged<T>>,
  errors: "request" | "create",
) {
  const types =
    errors === "create"
      ? [success, RequestError, UnregisteredModelError, MissingByokCredentialError]
      : [success, RequestError];
  return builder.unionType(name, {
    types: types as [ObjectRef<any, unknown>],
    resolveType: (value) => {
      if (isFailure(value)) return errorTypeOf(value as Failure) as ObjectRef<any, unknown>;
      return success as ObjectRef<any, unknown>;
    },
  });
}

/** Wraps a domain outcome for a result union. */
export const toResult = <T extends object>(name: string, value: T | Failure): Tagged<T> | Failure =>
  isFailure(value) ? value : Object.assign(value, { __success: name });

/** Refusals that are not outcomes (a bad `first`, a bad cursor): top-level errors. */
export function orThrow<T>(value: T | RequestFailure): T {
  if (isFailure(value)) {
    const { message, code, field } = value as RequestFailure;
    throw new GraphQLError(message, { extensions: { code, field: field ?? undefined } });
  }
  return value as T;
}
