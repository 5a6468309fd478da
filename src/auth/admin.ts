import type { PrismaClient } from "../generated/prisma/client.js";
import type { Logger } from "../log.js";
import { hashToken, mintToken } from "./tokens.js";

/**
 * Admin tokens are stored only as SHA-256 digests. ADMIN_TOKEN is recorded
 * at start; without it, the first start of an empty database generates one
 * and prints it once.
 */
export async function ensureAdminToken(
  prisma: PrismaClient,
  configured: string | undefined,
  log: Logger,
  announce: (token: string) => void,
): Promise<void> {
  if (configured) {
    const tokenHash = hashToken(configured);
    await prisma.adminToken.upsert({
      where: { tokenHash },
      create: { tokenHash, label: "ADMIN_TOKEN" },
      update: {},
    });
    return;
  }
  if ((await prisma.adminToken.count()) > 0) return;
  const token = mintToken();
  await prisma.adminToken.create({ data: { tokenHash: hashToken(token), label: "generated at first start" } });
  log.info({ msg: "generated an admin token; it is shown once, on stderr, and stored only as a hash" });
  announce(token);
}

/** Positive answers are cached briefly: admin tokens are never revoked through the API. */
export class AdminTokens {
  private readonly known = new Map<string, number>();
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlMs = 60_000,
  ) {}

  async isAdmin(tokenHash: string): Promise<boolean> {
    const until = this.known.get(tokenHash);
    if (until !== undefined && until > Date.now()) return true;
    const row = await this.prisma.adminToken.findUnique({ where: { tokenHash }, select: { id: true } });
    if (row) this.known.set(tokenHash, Date.now() + this.ttlMs);
    return row !== null;
  }
}
