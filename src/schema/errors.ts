import type { ObjectRef } from "@pothos/core";
import { GraphQLError } from "graphql";
import type { Failure, MissingCredentialFailure, RequestFailure, UnregisteredModelFailure } from "../domain.js";
import { isFailure } from "../domain.js";
import { builder } from "./builder.js";

export const ErrorCode = builder.enumType("ErrorCode", {
  description: "What went wrong, for a client to branch on.",
  values: {
    VALIDATION_FAILED: { description: "An input field is malformed; `field` names it." },
    NOT_FOUND: { description: "The workspace does not exist, was removed, or its id is malformed." },
    RUNTIME_UNSUPPORTED: { description: "The runtime is not in the model registry." },
    MODEL_REQUIRED: { description: "No model was given and the runtime has no default model." },
    UNREGISTERED_MODEL_FOR_RUNTIME: {
      description: "The model is neither listed for the runtime nor owned by exactly one of its providers.",
    },
    MISSING_BYOK_CREDENTIAL: {
      description:
        "The model derives to a BYOK provider and no credential it accepts exists at workspace or org scope.",
    },
    PLATFORM_AGENT_IDENTITY_GATE: {
      description:
        "A platform agent registered without its MODEL secret (or without its MCP server): marked FAILED, refused online.",
    },
    PLATFORM_KIND_FORBIDDEN: {
      description: "Kind PLATFORM can only be given at create time, by an admin; register cannot claim it.",
    },
    CONFLICT: { description: "A uniqueness rule was broken (for example a second platform agent)." },
    WORKSPACE_FAILED: {
      description:
        "The workspace is FAILED: fix the cause, then restartWorkspace, before its agent can register again.",
    },
    SECRET_UNREADABLE: {
      description: "A stored secret exists but cannot be read or decrypted (never taken for unset).",
    },
  } as const,
});

export const ErrorInterface = builder.interfaceRef<Failure>("Error").implement({
  description: "An outcome a client is expected to handle. Every error type implements it.",
  fields: (t) => ({
    code: t.field({ type: ErrorCode, description: "What went wrong.", resolve: (e) => e.code }),
    message: t.exposeString("message", { description: "What went wrong and what to do about it, for people." }),
  }),
});

export const RequestError = builder.objectRef<RequestFailure>("RequestError").implement({
  description: "The general error type: every code that carries no extra fields.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.string({
      nullable: true,
      description: "The input field at fault, as a dotted path (for example `input.secrets.0.key`), when one is.",
      resolve: (e) => (e as RequestFailure).field ?? null,
    }),
  }),
});

export const UnregisteredModelError = builder.objectRef<UnregisteredModelFailure>("UnregisteredModelError").implement({
  description: "UNREGISTERED_MODEL_FOR_RUNTIME: the runtime does not offer the model.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    runtime: t.exposeString("runtime", { description: "The runtime that was asked for." }),
    model: t.exposeString("model", { description: "The model that was asked for." }),
    offeredModels: t.stringList({
      description: "The models offered for the runtime, sorted.",
      resolve: (e) => [...e.offeredModels],
    }),
  }),
});

export const MissingByokCredentialError = builder
  .objectRef<MissingCredentialFailure>("MissingByokCredentialError")
  .implement({
    description: "MISSING_BYOK_CREDENTIAL: the model needs a key that no workspace or org secret provides.",
    interfaces: [ErrorInterface],
    fields: (t) => ({
      runtime: t.exposeString("runtime", { description: "The runtime that was asked for." }),
      model: t.exposeString("model", { description: "The model that was asked for." }),
      provider: t.exposeString("provider", { description: "The BYOK provider the model derives to." }),
      acceptedEnv: t.stringList({
        description: "Secret names that provider accepts; any one of them, at workspace or org scope, satisfies it.",
        resolve: (e) => [...e.acceptedEnv],
      }),
      suggestedModel: t.string({
        nullable: true,
        description: "The runtime's default model, when it is platform-billed (needs no key).",
        resolve: (e) => e.suggestedModel,
      }),
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
  description?: string,
) {
  const types =
    errors === "create"
      ? [success, RequestError, UnregisteredModelError, MissingByokCredentialError]
      : [success, RequestError];
  return builder.unionType(name, {
    ...(description ? { description } : {}),
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
