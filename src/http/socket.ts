import { requireAdmin } from "../auth/access.js";
import type { AdminTokens } from "../auth/admin.js";
import { parseBearer } from "../auth/tokens.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { Logger } from "../log.js";

/**
 * graphql-ws connections are admin-only (subscriptions are the only thing
 * they carry). Returning false closes the socket with 4403.
 */
export async function authorizeSocket(
  connectionParams: Readonly<Record<string, unknown>> | undefined,
  admins: AdminTokens,
  prisma: PrismaClient,
  log: Logger,
): Promise<boolean> {
  try {
    await requireAdmin(parseBearer(connectionParams?.authorization), admins, prisma);
    return true;
  } catch (err) {
    log.debug({ msg: "websocket refused", reason: (err as Error).message });
    return false;
  }
}
