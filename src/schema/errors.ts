import type { ObjectRef } from "@pothos/core";
import { GraphQLError } from "graphql";
import {
  ERROR_CODES,
  type Err,
  type ErrorCode as ErrorCodeValue,
  type Failure,
  type MissingCredentialFailure,
  type Ok,
  type RequestFailure,
  type Result,
  type UnregisteredModelFailure,
} from "../errors.js";
import { builder } from "./builder.js";

const DESCRIPTIONS: Record<ErrorCodeValue, string> = {
  VALIDATION_FAILED: "An input field is malformed; `field` names it.",
  NOT_FOUND: "The workspace does not exist, was removed, or its id is malformed.",
  RUNTIME_UNSUPPORTED: "The runtime is not in the model registry.",
  MODEL_REQUIRED: "No model was given and the runtime has no default model.",
  UNREGISTERED_MODEL_FOR_RUNTIME:
    "The model is neither listed for the runtime nor owned by exactly one of its providers.",
  MISSING_BYOK_CREDENTIAL:
    "The model derives to a BYOK provider and no credential it accepts exists at workspace or org scope.",
  PLATFORM_AGENT_IDENTITY_GATE:
    "A platform agent registered without its MODEL secret (or without its MCP server): marked FAILED, refused online.",
  PLATFORM_KIND_FORBIDDEN: "Kind PLATFORM can only be given at create time, by an admin; register cannot claim it.",
  CONFLICT: "A uniqueness rule was broken (for example a second platform agent).",
  WORKSPACE_FAILED:
    "The workspace is FAILED: fix the cause, then restartWorkspace, before its agent can register again.",
  SECRET_UNREADABLE: "A stored secret exists but cannot be read or decrypted (never taken for unset).",
};

export const ErrorCode = builder.enumType("ErrorCode", {
  description: "What went wrong, for a client to branch on.",
  values: Object.fromEntries(ERROR_CODES.map((code) => [code, { description: DESCRIPTIONS[code] }])) as Record<
    ErrorCodeValue,
    { description: string }
  >,
});

export const ErrorInterface = builder.interfaceRef<Err<Failure>>("Error").implement({
  description: "An outcome a client is expected to handle. Every error type implements it.",
  fields: (t) => ({
    code: t.field({ type: ErrorCode, description: "What went wrong.", resolve: (r) => r.error.code }),
    message: t.string({
      description: "What went wrong and what to do about it, for people.",
      resolve: (r) => r.error.message,
    }),
  }),
});

export const RequestError = builder.objectRef<Err<RequestFailure>>("RequestError").implement({
  description: "The general error type: every code that carries no extra fields.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.string({
      nullable: true,
      description: "The input field at fault, as a dotted path (for example `input.secrets.0.key`), when one is.",
      resolve: (r) => r.error.field ?? null,
    }),
  }),
});

export const UnregisteredModelError = builder
  .objectRef<Err<UnregisteredModelFailure>>("UnregisteredModelError")
  .implement({
    description: "UNREGISTERED_MODEL_FOR_RUNTIME: the runtime does not offer the model.",
    interfaces: [ErrorInterface],
    fields: (t) => ({
      runtime: t.string({ description: "The runtime that was asked for.", resolve: (r) => r.error.runtime }),
      model: t.string({ description: "The model that was asked for.", resolve: (r) => r.error.model }),
      offeredModels: t.stringList({
        description: "The models offered for the runtime, sorted.",
        resolve: (r) => [...r.error.offeredModels],
      }),
    }),
  });

export const MissingByokCredentialError = builder
  .objectRef<Err<MissingCredentialFailure>>("MissingByokCredentialError")
  .implement({
    description: "MISSING_BYOK_CREDENTIAL: the model needs a key that no workspace or org secret provides.",
    interfaces: [ErrorInterface],
    fields: (t) => ({
      runtime: t.string({ description: "The runtime that was asked for.", resolve: (r) => r.error.runtime }),
      model: t.string({ description: "The model that was asked for.", resolve: (r) => r.error.model }),
      provider: t.string({ description: "The BYOK provider the model derives to.", resolve: (r) => r.error.provider }),
      acceptedEnv: t.stringList({
        description: "Secret names that provider accepts; any one of them, at workspace or org scope, satisfies it.",
        resolve: (r) => [...r.error.acceptedEnv],
      }),
      suggestedModel: t.string({
        nullable: true,
        description: "The runtime's default model, when it is platform-billed (needs no key).",
        resolve: (r) => r.error.suggestedModel,
      }),
    }),
  });

/** The error's type, by its code: the two codes with fields of their own have their own types. */
const errorTypeOf = (f: Failure) =>
  f.code === "UNREGISTERED_MODEL_FOR_RUNTIME"
    ? UnregisteredModelError
    : f.code === "MISSING_BYOK_CREDENTIAL"
      ? MissingByokCredentialError
      : RequestError;

/** A union's success member: its fields read the command's value. */
export const successRef = <T>(name: string) => builder.objectRef<Ok<T>>(name);

/**
 * `Success | RequestError | ...` over a command's Result: `ok` says which
 * side, the error's code which error type. "request" unions take commands
 * that answer only RequestFailure; "create" ones also the model errors.
 */
export function resultUnion<T>(
  name: string,
  success: ObjectRef<any, Ok<T>>,
  errors: "request",
  description?: string,
): ReturnType<typeof unionOf<T, RequestFailure>>;
export function resultUnion<T>(
  name: string,
  success: ObjectRef<any, Ok<T>>,
  errors: "create",
  description?: string,
): ReturnType<typeof unionOf<T, Failure>>;
export function resultUnion<T>(
  name: string,
  success: ObjectRef<any, Ok<T>>,
  errors: "request" | "create",
  description?: string,
) {
  const errorTypes =
    errors === "create" ? [RequestError, UnregisteredModelError, MissingByokCredentialError] : [RequestError];
  return unionOf<T, Failure>(name, success, errorTypes, description);
}

function unionOf<T, E extends Failure>(
  name: string,
  success: ObjectRef<any, Ok<T>>,
  errorTypes: ObjectRef<any, Err<Failure>>[],
  description?: string,
) {
  return builder.unionType(name, {
    ...(description ? { description } : {}),
    types: [success, ...errorTypes] as [ObjectRef<any, Result<T, E>>],
    resolveType: (r) => (r.ok ? success : errorTypeOf(r.error)) as ObjectRef<any, Result<T, E>>,
  });
}

/** Refusals that are not outcomes (a bad `first`, a bad cursor): top-level errors. */
export function orThrow<T>(result: Result<T, RequestFailure>): T {
  if (result.ok) return result.value;
  throw requestError(result.error);
}

/** A RequestFailure as a top-level GraphQL error. */
export const requestError = ({ message, code, field }: RequestFailure) =>
  new GraphQLError(message, { extensions: { code, field: field ?? undefined } });
