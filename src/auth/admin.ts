import { onUniqueViolation } from "../db/errors.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { Logger } from "../log.js";
import { actorJson, SYSTEM } from "./actor.js";
import { API_TOKENS_CHANNEL, type ApiTokenStore } from "./api-tokens.js";
import { hashToken, mintToken } from "./tokens.js";

/** What an agent's call asks of the API tokens: is this bearer one (then it is no agent's)? */
export type AdminTokens = Pick<ApiTokenStore, "isAdmin">;

/** Start-ups of several instances take turns here. */
const START_LOCK = 72707003;

/**
 * `ADMIN_TOKEN` is an admin API token labelled `env` (SPEC section 10). Set:
 * it is recorded, and every other `env` token and the one generated at first
 * start are revoked (the NOTIFY tells running instances at once). Unset: a
 * token is generated and printed once when no admin token is live, which is
 * the first start (and the way back in if every admin token was revoked).
 * A configured token that was revoked stays revoked: a leaked one must not
 * come back with a restart.
 */
export async function ensureAdminToken(
  prisma: PrismaClient,
  configured: string | undefined,
  log: Logger,
  announce: (token: string) => void,
): Promise<void> {
  const generated = configured ? null : mintToken();
  const settle = () =>
    prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${START_LOCK})`;
      const now = new Date();
      if (configured) {
        const tokenHash = hashToken(configured);
        const row = await tx.apiToken.findUnique({ where: { tokenHash }, select: { id: true, revokedAt: true } });
        const id =
          row?.id ??
          (
            await tx.apiToken.create({
              data: { tokenHash, label: "env", role: "ADMIN", origin: "ENV", createdBy: actorJson(SYSTEM.startup) },
              select: { id: true },
            })
          ).id;
        const { count } = await tx.apiToken.updateMany({
          where: { id: { not: id }, origin: { in: ["ENV", "GENERATED"] }, revokedAt: null },
          data: { revokedAt: now },
        });
        if (count > 0) await tx.$executeRawUnsafe(`NOTIFY ${API_TOKENS_CHANNEL}`);
        return { revoked: count, configuredRevoked: row?.revokedAt != null, generated: false };
      }
      const live = await tx.apiToken.count({
        where: { role: "ADMIN", revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      });
      if (live > 0 || !generated) return { revoked: 0, configuredRevoked: false, generated: false };
      await tx.apiToken.create({
        data: {
          tokenHash: hashToken(generated),
          label: "generated at first start",
          role: "ADMIN",
          origin: "GENERATED",
          createdBy: actorJson(SYSTEM.startup),
        },
      });
      return { revoked: 0, configuredRevoked: false, generated: true };
    });
  // Two first starts racing on one database: the loser's insert conflicts; its second look finds the winner's row.
  const outcome = await onUniqueViolation("ApiToken_tokenHash_key", settle, settle);
  if (outcome.revoked > 0)
    log.info({
      msg: "ADMIN_TOKEN replaced the admin tokens set before it; they are revoked",
      revoked: outcome.revoked,
    });
  if (outcome.configuredRevoked) log.warn({ msg: "ADMIN_TOKEN was revoked and stays revoked: set a new one" });
  if (outcome.generated && generated) {
    log.info({ msg: "generated an admin token; it is shown once, on stderr, and stored only as a hash" });
    announce(generated);
  }
}
