import { randomUUID } from "node:crypto";
import type { AdminTokens } from "../auth/admin.js";
import { findLiveInstanceToken } from "../auth/authorize.js";
import { type Bearer, hashToken, mintToken } from "../auth/tokens.js";
import type { Domain } from "../domain.js";
import { AccessError, unavailable } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";

type Tx = Prisma.TransactionClient;

/** Mints the one-time join token of one start; only its hash is stored. */
export async function mintJoinToken(
  tx: Tx,
  workspaceId: string,
  generation: number,
  ttlSeconds: number,
): Promise<string> {
  const token = mintToken();
  await tx.joinToken.create({
    data: {
      id: randomUUID(),
      workspaceId,
      generation,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    },
  });
  return token;
}

/** Unused join tokens of a workspace (of one generation, or all) stop working. */
export function revokeJoinTokens(tx: Tx, workspaceId: string, generation?: number) {
  return tx.joinToken.updateMany({
    where: { workspaceId, usedAt: null, revokedAt: null, ...(generation === undefined ? {} : { generation }) },
    data: { revokedAt: new Date() },
  });
}

/**
 * SPEC 9 amending SPEC 5 step 2, for a workspace a provisioner runs: a live
 * instance token of this workspace passes; otherwise only a valid join token
 * bootstraps ("join"); anything else is UNAUTHENTICATED, an admin token or
 * another workspace's instance token FORBIDDEN, a failed lookup 503.
 */
export async function checkManagedRegisterToken(
  { domain, admins, bearer }: { domain: Domain; admins: AdminTokens; bearer: Bearer },
  workspaceId: string,
): Promise<"token" | { join: string }> {
  if (bearer.kind !== "token") {
    throw new AccessError("UNAUTHENTICATED", "This workspace is started by the control plane: present its join token.");
  }
  let instance: { workspaceId: string } | null;
  let join: { workspaceId: string; usedAt: Date | null; revokedAt: Date | null; expiresAt: Date } | null = null;
  let admin = false;
  try {
    instance = await findLiveInstanceToken(domain.prisma, bearer.hash);
    if (!instance) {
      join = await domain.prisma.joinToken.findUnique({
        where: { tokenHash: bearer.hash },
        select: { workspaceId: true, usedAt: true, revokedAt: true, expiresAt: true },
      });
      if (!join) admin = await admins.isAdmin(bearer.hash);
    }
  } catch (err) {
    throw unavailable("The bearer token", err);
  }
  if (admin) throw new AccessError("FORBIDDEN", "An admin token cannot act as a workspace agent.");
  if (instance) {
    if (instance.workspaceId !== workspaceId) {
      throw new AccessError("FORBIDDEN", "This instance token belongs to another workspace.");
    }
    return "token";
  }
  const usable =
    join !== null &&
    join.workspaceId === workspaceId &&
    join.usedAt === null &&
    join.revokedAt === null &&
    join.expiresAt.getTime() > Date.now();
  if (!usable) throw new AccessError("UNAUTHENTICATED", "The bearer token is not valid for this workspace.");
  return { join: bearer.hash };
}

/**
 * Consumes the join token under the workspace's row lock, in the bootstrap's
 * transaction: one conditional UPDATE, so of two bootstraps with one token
 * exactly one wins. It must belong to the workspace's current generation.
 * The instance token it replaces is revoked (SPEC 9).
 */
export async function consumeJoinToken(tx: Tx, workspaceId: string, tokenHash: string): Promise<void> {
  const used = await tx.$executeRaw`
    UPDATE "JoinToken" AS j SET "usedAt" = now()
    FROM "Workspace" AS w
    WHERE j."tokenHash" = ${tokenHash} AND j."workspaceId" = ${workspaceId}::uuid AND w.id = j."workspaceId"
      AND j.generation = w.generation AND j."usedAt" IS NULL AND j."revokedAt" IS NULL AND j."expiresAt" > now()`;
  if (used !== 1) throw new AccessError("UNAUTHENTICATED", "The join token is not valid (used, expired or revoked).");
  await tx.instanceToken.updateMany({ where: { workspaceId, revokedAt: null }, data: { revokedAt: new Date() } });
}
