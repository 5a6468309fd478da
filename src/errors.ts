/**
 * The error vocabulary: what a domain command may answer instead of its
 * value (data in the result union, never thrown), and the transport-level
 * refusals that are thrown.
 */

/** Outcomes a client must handle. The one list: the GraphQL enum ErrorCode is built from it. */
export const ERROR_CODES = [
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
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The general error: every code whose error carries no fields of its own. */
export type RequestFailure = {
  code: Exclude<ErrorCode, UnregisteredModelFailure["code"] | MissingCredentialFailure["code"]>;
  message: string;
  field?: string | null;
};
export type UnregisteredModelFailure = {
  code: "UNREGISTERED_MODEL_FOR_RUNTIME";
  message: string;
  runtime: string;
  model: string;
  offeredModels: readonly string[];
};
export type MissingCredentialFailure = {
  code: "MISSING_BYOK_CREDENTIAL";
  message: string;
  runtime: string;
  model: string;
  provider: string;
  acceptedEnv: readonly string[];
  suggestedModel: string | null;
};
export type Failure = RequestFailure | UnregisteredModelFailure | MissingCredentialFailure;

export const fail = (code: RequestFailure["code"], message: string, field?: string): RequestFailure => ({
  code,
  message,
  field,
});

/** What every domain command answers: its value, or the failure a client must handle. */
export type Result<T, E = Failure> = Ok<T> | Err<E>;
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });
/** A command's RequestFailure answer, in one call. */
export const failed = (code: RequestFailure["code"], message: string, field?: string): Err<RequestFailure> =>
  err(fail(code, message, field));

/**
 * Transport-level refusals (SPEC section 2). UNAUTHENTICATED is final for an
 * agent, so it is raised only after the presented credentials were checked
 * and found wrong; anything that stopped the check is SERVICE_UNAVAILABLE.
 */
export class AccessError extends Error {
  override name = "AccessError";
  constructor(
    readonly code: "UNAUTHENTICATED" | "FORBIDDEN" | "SERVICE_UNAVAILABLE",
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export const unavailable = (what: string, cause: unknown) =>
  new AccessError("SERVICE_UNAVAILABLE", `${what} could not be checked right now; retry`, cause);
