import { AccessError, unavailable } from "../domain.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { AdminTokens } from "./admin.js";
import type { Bearer } from "./tokens.js";

export type LiveInstanceToken = { id: string; workspaceId: string };

/** A live (unrevoked) instance token with this digest, or null. Throws if the lookup fails. */
export async function findLiveInstanceToken(prisma: PrismaClient, hash: string): Promise<LiveInstanceToken | null> {
  const row = await prisma.instanceToken.findUnique({
    where: { tokenHash: hash },
    select: { id: true, workspaceId: true, revokedAt: true },
  });
  return row && row.revokedAt === null ? { id: row.id, workspaceId: row.workspaceId } : null;
}

/**
 * The gate behind every admin operation. 401 only once the presented
 * credentials were checked and found missing or wrong; an instance token is
 * a valid credential without the right (403); a failed lookup is 503.
 */
export async function requireAdmin(bearer: Bearer, admins: AdminTokens, prisma: PrismaClient): Promise<void> {
  if (bearer.kind === "none") throw new AccessError("UNAUTHENTICATED", "An admin bearer token is required.");
  if (bearer.kind === "malformed")
    throw new AccessError("UNAUTHENTICATED", "The Authorization header is not a bearer token.");
  let instance: LiveInstanceToken | null;
  try {
    if (await admins.isAdmin(bearer.hash)) return;
    instance = await findLiveInstanceToken(prisma, bearer.hash);
  } catch (err) {
    throw unavailable("The bearer token", err);
  }
  if (instance)
    throw new AccessError("FORBIDDEN", "Instance tokens may only register and heartbeat their own workspace.");
  throw new AccessError("UNAUTHENTICATED", "The bearer token is not valid.");
}

/** Agents' calls refuse admin tokens outright (SPEC section 2). */
export async function refuseAdminAsAgent(bearer: Bearer, admins: AdminTokens): Promise<void> {
  if (bearer.kind !== "token") return;
  let admin: boolean;
  try {
    admin = await admins.isAdmin(bearer.hash);
  } catch (err) {
    throw unavailable("The bearer token", err);
  }
  if (admin) throw new AccessError("FORBIDDEN", "An admin token cannot act as a workspace agent.");
}
