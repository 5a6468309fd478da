import { type Domain, fail, type RequestFailure } from "../domain.js";
import type { Prisma } from "../generated/prisma/client.js";
import { validateSecretKey, validateSecretValue } from "../secrets/validate.js";
import { lockWorkspace } from "./provision.js";
import { isWorkspaceId } from "./validate.js";

type Tx = Prisma.TransactionClient;

type SecretKey = { key: string; updatedAt: Date; updatedBy: unknown };

const notFound = () => fail("NOT_FOUND", "No such workspace.", "input.workspaceId");

/**
 * Runs `write` in one transaction with the workspace's row lock, only if the
 * workspace is live: a remove (or a register's identity gate) cannot fall
 * between the check and the write. Null: no such live workspace.
 */
async function underWorkspaceLock<R>(domain: Domain, id: string, write: (tx: Tx) => Promise<R>): Promise<R | null> {
  if (!isWorkspaceId(id)) return null;
  return domain.prisma.$transaction(async (tx) => {
    const status = await lockWorkspace(tx, id);
    if (!status || status === "REMOVED") return null;
    return write(tx);
  });
}

export async function setWorkspaceSecret(
  domain: Domain,
  input: { workspaceId: string; key: string; value: string },
): Promise<SecretKey | RequestFailure> {
  const invalid = validateSecretKey(input.key, "input.key") ?? validateSecretValue(input.value, "input.value");
  if (invalid) return invalid;
  const written = await underWorkspaceLock(domain, input.workspaceId, (tx) =>
    domain.secrets.setWorkspaceSecret(input.workspaceId, input.key, input.value, domain.actor, tx),
  );
  return written ?? notFound();
}

export async function deleteWorkspaceSecret(
  domain: Domain,
  input: { workspaceId: string; key: string },
): Promise<{ key: string; deleted: boolean } | RequestFailure> {
  const invalid = validateSecretKey(input.key, "input.key");
  if (invalid) return invalid;
  const deleted = await underWorkspaceLock(domain, input.workspaceId, (tx) =>
    domain.secrets.deleteWorkspaceSecret(input.workspaceId, input.key, tx),
  );
  return deleted === null ? notFound() : { key: input.key, deleted };
}
