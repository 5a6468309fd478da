import { isRowNotFound } from "../db/errors.js";
import type { Domain } from "../domain.js";
import { err, failed, ok, type Result } from "../errors.js";
import type { Workspace } from "../generated/prisma/client.js";
import { checkModelCredential, checkModelRegistered } from "./create.js";
import { isWorkspaceId, noSuchWorkspace, validateIdentifier, validateName } from "./validate.js";

export type UpdateInput = { id: string; name?: string | null; model?: string | null };

const notFound = () => noSuchWorkspace("input.id");

/**
 * Renames a workspace or changes its model. A new model goes through
 * create's own checks (registered for the workspace's runtime, then the
 * credential gate with its stored secret names) before anything is written,
 * and the provider and billing the gate settles on are stored with it.
 *
 * Not an event: SPEC 7 records status changes and a few listed kinds only.
 * A running runtime keeps its model until its next start; marking it as
 * needing a restart belongs to the provisioner's `configStale`.
 */
export async function updateWorkspace(domain: Domain, input: UpdateInput): Promise<Result<Workspace>> {
  if (!isWorkspaceId(input.id)) return notFound();
  if (input.name == null && input.model == null) {
    return failed("VALIDATION_FAILED", "Give a new name, a new model, or both.", "input");
  }
  const invalid =
    (input.name != null ? validateName(input.name, "input.name") : null) ??
    validateIdentifier(input.model, "input.model", "model");
  if (invalid) return err(invalid);
  const { prisma, registry } = domain;

  const data: { name?: string; model?: string; provider?: string | null; platformBilled?: boolean } = {};
  if (input.name != null) data.name = input.name.trim();
  if (input.model != null) {
    const current = await prisma.workspace.findUnique({
      where: { id: input.id },
      select: { status: true, runtime: true, model: true, secrets: { select: { key: true } } },
    });
    if (!current || current.status === "REMOVED") return notFound();
    if (input.model !== current.model) {
      const runtime = registry.runtimes.get(current.runtime);
      if (!runtime) {
        return failed(
          "RUNTIME_UNSUPPORTED",
          `Runtime ${current.runtime} is no longer in the model registry.`,
          "input.model",
        );
      }
      const names = current.secrets.map((s) => s.key);
      const unregistered = checkModelRegistered(registry, runtime, input.model, names);
      if (unregistered) return err(unregistered);
      const verdict = await checkModelCredential(domain, runtime.name, input.model, names);
      if (!verdict.ok) return verdict;
      Object.assign(data, { model: input.model, ...verdict.value });
    }
  }
  // A removal between the checks and this write wins: REMOVED is final.
  return prisma.workspace.update({ where: { id: input.id, status: { not: "REMOVED" } }, data }).then(ok, (error) => {
    if (isRowNotFound(error)) return notFound();
    throw error;
  });
}
