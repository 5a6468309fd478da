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
