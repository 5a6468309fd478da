import { hash } from "node:crypto";
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";
import type { Registry } from "../registry/registry.js";
import type { KeyRing } from "../secrets/keyring.js";
import { orgSecretAad, workspaceSecretAad } from "../secrets/store.js";
import { entryFor, fillPlaceholders, type ProvisionerConfig } from "./settings.js";

type Db = PrismaClient | Prisma.TransactionClient;

/** One variable of a runtime's environment; a value that cannot be decrypted is an error, never omitted. */
export type EnvEntry = { key: string; value: string } | { key: string; error: "SECRET_UNREADABLE" };

export type RuntimeEnvironment = {
  workspaceId: string;
  runtime: string;
  model: string;
  provider: string | null;
  platformBilled: boolean;
  /** Sorted by key. No WORKSPACE_JOIN_TOKEN: that is minted per start. */
  entries: EnvEntry[];
  /** Digest of what went in (names and sealed values, not values): configStale compares it. */
  digest: string;
};

export type EnvironmentSources = {
  registry: Registry;
  keyring: KeyRing;
  provisionerConfig: ProvisionerConfig;
  /** The GraphQL URL a runtime dials (null until known). */
  controlPlaneUrl: () => string | null;
};

/** The rows the environment is made of; the digest is computed from them alone. */
async function readSources(db: Db, registry: Registry, workspaceId: string) {
  const ws = await db.workspace.findUnique({
    where: { id: workspaceId },
    select: {
      id: true,
      runtime: true,
      model: true,
      provider: true,
      platformBilled: true,
      status: true,
      generation: true,
    },
  });
  if (!ws) return null;
  const accepted = ws.provider ? (registry.providers.get(ws.provider)?.authEnv ?? []) : [];
  const workspaceSecrets = await db.workspaceSecret.findMany({
    where: { workspaceId },
    select: { key: true, value: true },
    orderBy: { key: "asc" },
  });
  const orgSecrets =
    accepted.length === 0
      ? []
      : await db.orgSecret.findMany({
          where: { key: { in: [...accepted] } },
          select: { key: true, value: true },
          orderBy: { key: "asc" },
        });
  const digest = hash(
    "sha256",
    JSON.stringify([
      ws.model,
      ws.provider,
      workspaceSecrets.map((s) => [s.key, s.value]),
      orgSecrets.map((s) => [s.key, s.value]),
    ]),
    "hex",
  );
  return { ws, workspaceSecrets, orgSecrets, digest };
}

/** The current digest of a workspace's configuration, or null if it is gone. */
export async function configDigest(db: Db, registry: Registry, workspaceId: string): Promise<string | null> {
  return (await readSources(db, registry, workspaceId))?.digest ?? null;
}

/**
 * SPEC section 9, what a runtime gets: the config entry's `env`, then the org
 * secrets its provider accepts, then the workspace's secrets (a workspace
 * secret wins over an org secret of the same name), then MODEL (the MODEL
 * secret when stored, else the workspace's model), then WORKSPACE_ID and
 * CONTROL_PLANE_URL, which nothing overrides. Nothing else of the org's.
 */
export async function readRuntimeEnvironment(
  db: Db,
  sources: EnvironmentSources,
  workspaceId: string,
): Promise<RuntimeEnvironment | null> {
  const read = await readSources(db, sources.registry, workspaceId);
  if (!read) return null;
  const { ws, workspaceSecrets, orgSecrets, digest } = read;
  const env = new Map<string, EnvEntry>();
  for (const [key, value] of Object.entries(entryFor(sources.provisionerConfig, ws.runtime).env ?? {})) {
    env.set(key, { key, value: fillPlaceholders(value, { workspaceId, generation: ws.generation }) });
  }
  const open = (key: string, sealed: string, aad: string): EnvEntry => {
    try {
      return { key, value: sources.keyring.decrypt(sealed, aad) };
    } catch {
      return { key, error: "SECRET_UNREADABLE" };
    }
  };
  for (const s of orgSecrets) env.set(s.key, open(s.key, s.value, orgSecretAad(s.key)));
  for (const s of workspaceSecrets) env.set(s.key, open(s.key, s.value, workspaceSecretAad(workspaceId, s.key)));
  if (!workspaceSecrets.some((s) => s.key === "MODEL")) env.set("MODEL", { key: "MODEL", value: ws.model });
  env.set("WORKSPACE_ID", { key: "WORKSPACE_ID", value: workspaceId });
  const url = sources.controlPlaneUrl();
  if (url) env.set("CONTROL_PLANE_URL", { key: "CONTROL_PLANE_URL", value: url });
  else env.delete("CONTROL_PLANE_URL");
  env.delete("WORKSPACE_JOIN_TOKEN");
  const entries = [...env.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    workspaceId,
    runtime: ws.runtime,
    model: ws.model,
    provider: ws.provider,
    platformBilled: ws.platformBilled,
    entries,
    digest,
  };
}
