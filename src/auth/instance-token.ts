import type { Domain } from "../domain.js";
import { AccessError, unavailable } from "../errors.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { AdminTokens } from "./admin.js";
import { findLiveInstanceToken } from "./authorize.js";
import type { Bearer } from "./tokens.js";

/** What an agent's call (register, heartbeat, agentConfig) is judged on. */
export type AgentAuth = { domain: Domain; admins: AdminTokens; bearer: Bearer };

/** Agents' calls refuse API tokens outright, of any role (SPEC sections 2 and 10). */
async function refuseAdminAsAgent(bearer: Bearer, admins: AdminTokens): Promise<void> {
  if (bearer.kind !== "token") return;
  let admin: boolean;
  try {
    admin = await admins.isAdmin(bearer.hash);
  } catch (err) {
    throw unavailable("The bearer token", err);
  }
  if (admin) throw new AccessError("FORBIDDEN", "An API token cannot act as a workspace agent.");
}

/**
 * A live instance token of this workspace and nothing else: what heartbeat
 * and agentConfig need (no bootstrap). An admin or API token is FORBIDDEN; a
 * revoked token is 401 whatever the workspace's status; a failed lookup 503.
 */
export async function requireOwnInstanceToken(
  prisma: PrismaClient,
  admins: AdminTokens,
  bearer: Bearer,
  workspaceId: string,
): Promise<void> {
  if (bearer.kind === "none") throw new AccessError("UNAUTHENTICATED", "An instance token is required.");
  if (bearer.kind === "malformed")
    throw new AccessError("UNAUTHENTICATED", "The Authorization header is not a bearer token.");
  // The instance token is looked up first: on the hot path (a live token)
  // that is the only query; the admin check matters only for a miss.
  let row: { workspaceId: string; revokedAt: Date | null } | null;
  try {
    row = await prisma.instanceToken.findUnique({
      where: { tokenHash: bearer.hash },
      select: { workspaceId: true, revokedAt: true },
    });
  } catch (err) {
    throw unavailable("The instance token", err);
  }
  if (!row) await refuseAdminAsAgent(bearer, admins);
  if (!row || row.revokedAt !== null) throw new AccessError("UNAUTHENTICATED", "The instance token is not valid.");
  if (row.workspaceId !== workspaceId)
    throw new AccessError("FORBIDDEN", "This instance token belongs to another workspace.");
}

/**
 * SPEC section 5 step 2. Resolves to "bootstrap" (no live token: mint one),
 * "token" (the bearer is this workspace's live token), or throws the refusal.
 */
export async function checkRegisterToken(
  prisma: PrismaClient,
  admins: AdminTokens,
  bearer: Bearer,
  workspaceId: string,
): Promise<"bootstrap" | "token"> {
  let presented: { admin: boolean; instance: { workspaceId: string } | null } = { admin: false, instance: null };
  let liveCount: number;
  try {
    if (bearer.kind === "token") {
      // The instance token first: a live one cannot also be an admin token,
      // so an agent's register pays for one lookup, not two.
      const instance = await findLiveInstanceToken(prisma, bearer.hash);
      presented = { admin: instance ? false : await admins.isAdmin(bearer.hash), instance };
    }
    if (!presented.admin && !presented.instance) {
      liveCount = await prisma.instanceToken.count({ where: { workspaceId, revokedAt: null } });
    } else liveCount = -1;
  } catch (err) {
    throw unavailable("The instance token", err);
  }
  if (presented.admin) throw new AccessError("FORBIDDEN", "An admin token cannot act as a workspace agent.");
  if (presented.instance) {
    if (presented.instance.workspaceId !== workspaceId) {
      throw new AccessError("FORBIDDEN", "This instance token belongs to another workspace.");
    }
    return "token" as const;
  }
  if (liveCount === 0) return "bootstrap" as const;
  if (bearer.kind === "none")
    throw new AccessError("UNAUTHENTICATED", "This workspace has a live instance token; present it.");
  // The bearer is wrong, unless a restart revoked every token in between.
  let recount: number;
  try {
    recount = await prisma.instanceToken.count({ where: { workspaceId, revokedAt: null } });
  } catch {
    throw new AccessError("UNAUTHENTICATED", "The bearer token is not valid for this workspace.");
  }
  if (recount === 0) return "bootstrap" as const;
  throw new AccessError("UNAUTHENTICATED", "The bearer token is not valid for this workspace.");
}
