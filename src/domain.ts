import type { Actor } from "./auth/actor.js";
import type { Config } from "./config.js";
import type { SqlDriver } from "./db/database.js";
import type { EventPublisher } from "./events/publisher.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import type { EnvironmentSources } from "./provisioning/environment.js";
import type { Registry } from "./registry/registry.js";
import type { SecretStore } from "./secrets/store.js";

/** What every domain operation may use; assembled once by buildApp. */
export type Domain = {
  prisma: PrismaClient;
  /** The same database without Prisma, for the one statement whose Prisma overhead dominated (heartbeat). */
  sql: SqlDriver;
  registry: Registry;
  secrets: SecretStore;
  events: EventPublisher;
  config: Pick<Config, "heartbeatTimeoutSeconds" | "provisionTimeoutSeconds">;
  /**
   * Who the changes made through this value are recorded as (SPEC section
   * 10): the control plane itself in the app's own value; the caller's in a
   * request's, once the access check identified them (see withActor).
   */
  actor: Actor;
  provisioning: ProvisioningHooks;
};

/** What the domain commands need of the provisioner (src/provisioning/). */
export type ProvisioningHooks = {
  mode: Config["provisioner"];
  environment: EnvironmentSources;
  /** A workspace's desired state changed and was committed: reconcile it now (in this process). */
  changed(workspaceId: string): void;
};

/** The same domain, acting for someone else. */
export const withActor = (domain: Domain, actor: Actor): Domain => ({ ...domain, actor });

/** Outcomes a client must handle: data in the result union, never thrown. */
export type ErrorCode =
  | "VALIDATION_FAILED"
  | "NOT_FOUND"
  | "RUNTIME_UNSUPPORTED"
  | "MODEL_REQUIRED"
  | "UNREGISTERED_MODEL_FOR_RUNTIME"
  | "MISSING_BYOK_CREDENTIAL"
  | "PLATFORM_AGENT_IDENTITY_GATE"
  | "PLATFORM_KIND_FORBIDDEN"
  | "CONFLICT"
  | "WORKSPACE_FAILED"
  | "SECRET_UNREADABLE";

export type RequestFailure = { code: ErrorCode; message: string; field?: string | null };
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

export const fail = (code: ErrorCode, message: string, field?: string): RequestFailure => ({ code, message, field });
export const isFailure = (v: unknown): v is Failure =>
  typeof v === "object" && v !== null && "code" in v && "message" in v && !("id" in v);

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
