import { type Domain, fail, type RequestFailure } from "../domain.js";
import { validateSecretKey, validateSecretValue } from "../secrets/validate.js";
import { isWorkspaceId } from "./validate.js";

type SecretKey = { key: string; updatedAt: Date; updatedBy: unknown };

const notFound = () => fail("NOT_FOUND", "No such workspace.", "input.workspaceId");

async function liveWorkspace(domain: Domain, id: string): Promise<boolean> {
  if (!isWorkspaceId(id)) return false;
  const ws = await domain.prisma.workspace.findUnique({ where: { id }, select: { status: true } });
  return ws !== null && ws.status !== "REMOVED";
}

export async function setWorkspaceSecret(
  domain: Domain,
  input: { workspaceId: string; key: string; value: string },
): Promise<SecretKey | RequestFailure> {
  const invalid = validateSecretKey(input.key, "input.key") ?? validateSecretValue(input.value, "input.value");
  if (invalid) return invalid;
  if (!(await liveWorkspace(domain, input.workspaceId))) return notFound();
  try {
    return await domain.secrets.setWorkspaceSecret(input.workspaceId, input.key, input.value, domain.actor);
  } catch (err) {
    // The workspace row went away between the check and the write.
    if ((err as { code?: string }).code === "P2003") return notFound();
    throw err;
  }
}

export async function deleteWorkspaceSecret(
  domain: Domain,
  input: { workspaceId: string; key: string },
): Promise<{ key: string; deleted: boolean } | RequestFailure> {
  const invalid = validateSecretKey(input.key, "input.key");
  if (invalid) return invalid;
  if (!(await liveWorkspace(domain, input.workspaceId))) return notFound();
  return { key: input.key, deleted: await domain.secrets.deleteWorkspaceSecret(input.workspaceId, input.key) };
}

export async function setOrgSecret(domain: Domain, input: { key: string; value: string }) {
  const invalid = validateSecretKey(input.key, "input.key") ?? validateSecretValue(input.value, "input.value");
  if (invalid) return invalid;
  return domain.secrets.setOrgSecret(input.key, input.value, domain.actor);
}

export async function deleteOrgSecret(domain: Domain, key: string) {
  const invalid = validateSecretKey(key, "key");
  if (invalid) return invalid;
  return { key, deleted: await domain.secrets.deleteOrgSecret(key) };
}
