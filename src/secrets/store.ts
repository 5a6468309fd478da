import { type Actor, actorJson } from "../auth/actor.js";
import type { OrgSecretNameSource } from "../gate/credential-gate.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { KeyRing } from "./keyring.js";
import { ORG_SECRETS_CHANNEL, type OrgSecretNamesCache } from "./org-names-cache.js";

type Db = Pick<PrismaClient, "orgSecret" | "workspaceSecret" | "workspace">;

/** A secret read has three outcomes; an error is never taken for unset. */
export type SecretRead = { state: "value"; value: string } | { state: "unset" } | { state: "error"; error: unknown };

export const workspaceSecretAad = (workspaceId: string, key: string) => `workspace-secret:${workspaceId}:${key}`;
export const orgSecretAad = (key: string) => `org-secret:${key}`;
export const inboundSecretAad = (workspaceId: string) => `inbound-secret:${workspaceId}`;

/** What is shown of a secret: its name, when it was set, and who set it. Never its value. */
const SECRET_KEY = { key: true, updatedAt: true, updatedBy: true } as const;
/** A secret as it is shown: its name and who set it when, never its value. */
export type SecretKeyRow = { key: string; updatedAt: Date; updatedBy: unknown };
/** What deleting a secret answers: false when there was none. */
export type SecretDeletion = { key: string; deleted: boolean };

export class SecretStore {
  constructor(
    private readonly prisma: PrismaClient,
    readonly keyring: KeyRing,
    private readonly orgNames?: OrgSecretNamesCache,
  ) {}

  /**
   * Org secret names only, never values: what the credential gate reads.
   * Inside a transaction (`db` given: the provision checks, which fail
   * closed) always from the database; otherwise through the cache.
   * `seen.database` is set when the names came from the database.
   */
  orgSecretNames(db?: Db, seen?: { database: boolean }): OrgSecretNameSource {
    const read = () => {
      if (seen) seen.database = true;
      return (db ?? this.prisma).orgSecret.findMany({ select: { key: true } });
    };
    const cache = this.orgNames;
    return db || !cache ? read : () => cache.read(read);
  }

  /**
   * The names from the database, refreshing the cache on the way: what a
   * refusal reads first, since another instance's new org secret may not have
   * been heard of yet (its NOTIFY still on its way).
   */
  orgSecretNamesFromDatabase(): OrgSecretNameSource {
    return () => {
      this.orgNames?.invalidate();
      return this.orgSecretNames()();
    };
  }

  listOrgSecrets() {
    return this.prisma.orgSecret.findMany({ select: SECRET_KEY, orderBy: { key: "asc" } });
  }

  /** Drops the cached org secret names (tests; a change does this itself). */
  forgetOrgSecretNames(): void {
    this.orgNames?.invalidate();
  }

  /** NOTIFY commits with the change: every instance's cache hears of it. */
  private notifyOrgChange() {
    return this.prisma.$executeRawUnsafe(`NOTIFY ${ORG_SECRETS_CHANNEL}, '${this.orgNames?.origin ?? ""}'`);
  }

  async setOrgSecret(key: string, value: string, actor: Actor) {
    const sealed = this.keyring.encrypt(value, orgSecretAad(key));
    const updatedBy = actorJson(actor);
    try {
      const [secret] = await this.prisma.$transaction([
        this.prisma.orgSecret.upsert({
          where: { key },
          create: { key, value: sealed, updatedBy },
          update: { value: sealed, updatedBy },
          select: SECRET_KEY,
        }),
        this.notifyOrgChange(),
      ]);
      return secret;
    } finally {
      this.orgNames?.invalidate();
    }
  }

  async deleteOrgSecret(key: string): Promise<boolean> {
    try {
      const [{ count }] = await this.prisma.$transaction([
        this.prisma.orgSecret.deleteMany({ where: { key } }),
        this.notifyOrgChange(),
      ]);
      return count > 0;
    } finally {
      this.orgNames?.invalidate();
    }
  }

  listWorkspaceSecrets(workspaceId: string, db: Db = this.prisma) {
    return db.workspaceSecret.findMany({
      where: { workspaceId },
      select: SECRET_KEY,
      orderBy: { key: "asc" },
    });
  }

  /**
   * The secrets of many workspaces in one query, each workspace's by name,
   * as listWorkspaceSecrets shows them: every id asked for has an entry.
   */
  async listSecretsOfWorkspaces(workspaceIds: readonly string[], db: Db = this.prisma) {
    const rows = await db.workspaceSecret.findMany({
      where: { workspaceId: { in: [...workspaceIds] } },
      select: { workspaceId: true, ...SECRET_KEY },
      orderBy: { key: "asc" },
    });
    type Row = Omit<(typeof rows)[number], "workspaceId">;
    const byWorkspace = new Map<string, Row[]>(workspaceIds.map((id) => [id, []]));
    for (const { workspaceId, ...row } of rows) byWorkspace.get(workspaceId)?.push(row);
    return byWorkspace;
  }

  async workspaceSecretNames(workspaceId: string, db: Db = this.prisma): Promise<string[]> {
    const rows = await db.workspaceSecret.findMany({ where: { workspaceId }, select: { key: true } });
    return rows.map((r) => r.key);
  }

  sealWorkspaceSecret(workspaceId: string, key: string, value: string) {
    return this.keyring.encrypt(value, workspaceSecretAad(workspaceId, key));
  }

  setWorkspaceSecret(workspaceId: string, key: string, value: string, actor: Actor, db: Db = this.prisma) {
    const sealed = this.sealWorkspaceSecret(workspaceId, key, value);
    const updatedBy = actorJson(actor);
    return db.workspaceSecret.upsert({
      where: { workspaceId_key: { workspaceId, key } },
      create: { workspaceId, key, value: sealed, updatedBy },
      update: { value: sealed, updatedBy },
      select: SECRET_KEY,
    });
  }

  async deleteWorkspaceSecret(workspaceId: string, key: string, db: Db = this.prisma): Promise<boolean> {
    const { count } = await db.workspaceSecret.deleteMany({ where: { workspaceId, key } });
    return count > 0;
  }

  /** Existence only: no decryption (the platform identity gate asks no more). */
  async workspaceSecretExists(workspaceId: string, key: string, db: Db = this.prisma): Promise<boolean> {
    const row = await db.workspaceSecret.findUnique({
      where: { workspaceId_key: { workspaceId, key } },
      select: { id: true },
    });
    return row !== null;
  }

  async readWorkspaceSecret(workspaceId: string, key: string, db: Db = this.prisma): Promise<SecretRead> {
    try {
      const row = await db.workspaceSecret.findUnique({
        where: { workspaceId_key: { workspaceId, key } },
        select: { value: true },
      });
      if (!row) return { state: "unset" };
      return { state: "value", value: this.keyring.decrypt(row.value, workspaceSecretAad(workspaceId, key)) };
    } catch (error) {
      return { state: "error", error };
    }
  }

  sealInboundSecret(workspaceId: string, value: string) {
    return this.keyring.encrypt(value, inboundSecretAad(workspaceId));
  }

  openInboundSecret(workspaceId: string, sealed: string) {
    return this.keyring.decrypt(sealed, inboundSecretAad(workspaceId));
  }
}
