import type { Domain } from "../domain.js";
import { err, ok, type RequestFailure, type Result } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { SecretDeletion, SecretKeyRow } from "../secrets/store.js";
import { validateSecretKey, validateSecretValue } from "../secrets/validate.js";
import { lockWorkspace } from "./provision.js";
import { isWorkspaceId, noSuchWorkspace } from "./validate.js";

type Tx = Prisma.TransactionClient;

const notFound = () => noSuchWorkspace("input.workspaceId");

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
): Promise<Result<SecretKeyRow, RequestFailure>> {
  const invalid = validateSecretKey(input.key, "input.key") ?? validateSecretValue(input.value, "input.value");
  if (invalid) return err(invalid);
  const written = await underWorkspaceLock(domain, input.workspaceId, (tx) =>
    domain.secrets.setWorkspaceSecret(input.workspaceId, input.key, input.value, domain.actor, tx),
  );
  return written ? ok(written) : notFound();
}

export async function deleteWorkspaceSecret(
  domain: Domain,
  input: { workspaceId: string; key: string },
): Promise<Result<SecretDeletion, RequestFailure>> {
  const invalid = validateSecretKey(input.key, "input.key");
  if (invalid) return err(invalid);
  const deleted = await underWorkspaceLock(domain, input.workspaceId, (tx) =>
    domain.secrets.deleteWorkspaceSecret(input.workspaceId, input.key, tx),
  );
  return deleted === null ? notFound() : ok({ key: input.key, deleted });
}
