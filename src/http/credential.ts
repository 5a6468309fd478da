import type { AdminTokens } from "../auth/admin.js";
import { findLiveInstanceToken } from "../auth/authorize.js";
import type { Bearer } from "../auth/tokens.js";
import type { PrismaClient } from "../generated/prisma/client.js";

/** A presented bearer as the rate limits see it: valid or not, and whose agent it is. */
export type BearerIdentity = { valid: boolean; instanceOf: string | null };

/**
 * "Is this credential valid?" for the rate limits (never for access: the
 * access rules and the agents' own checks judge rights). One place, so it
 * can follow the auth module when credentials change. Throws when the
 * lookup cannot be made.
 */
export async function identifyBearer(
  bearer: Bearer,
  deps: { admins: AdminTokens; prisma: PrismaClient },
): Promise<BearerIdentity> {
  if (bearer.kind !== "token") return { valid: false, instanceOf: null };
  const instance = await findLiveInstanceToken(deps.prisma, bearer.hash);
  if (instance) return { valid: true, instanceOf: instance.workspaceId };
  return { valid: await deps.admins.isAdmin(bearer.hash), instanceOf: null };
}
