import type { Domain } from "../domain.js";
import { ok, type RequestFailure, type Result } from "../errors.js";
import { recordEvent } from "../events/record.js";
import type { Workspace } from "../generated/prisma/client.js";
import { revokeJoinTokens } from "../provisioning/join-tokens.js";
import { lockWorkspace, provisionAndRecord } from "./provision.js";
import { isWorkspaceId, noSuchWorkspace } from "./validate.js";

const notFound = () => noSuchWorkspace("id");

/**
 * Back to PROVISIONING from any status but REMOVED: every instance token is
 * revoked, a new provisioning period starts, and the provision checks run
 * again before the answer.
 */
export async function restartWorkspace(domain: Domain, id: string): Promise<Result<Workspace, RequestFailure>> {
  if (!isWorkspaceId(id)) return notFound();
  const { prisma } = domain;
  const result = await prisma.$transaction(async (tx) => {
    const status = await lockWorkspace(tx, id);
    if (!status || status === "REMOVED") return null;
    const now = new Date();
    await tx.instanceToken.updateMany({ where: { workspaceId: id, revokedAt: null }, data: { revokedAt: now } });
    await tx.workspace.update({
      where: { id },
      data: {
        status: "PROVISIONING",
        provisioningStartedAt: now,
        failureCode: null,
        failureMessage: null,
        failedAt: null,
        // A new desired runtime: the old one is stopped, a new one starts without backoff.
        generation: { increment: 1 },
        configDigest: null,
        nextStartAt: null,
      },
      select: { id: true },
    });
    await revokeJoinTokens(tx, id);
    // Under the row lock: no register can slip in before the verdict.
    const { hints } = await provisionAndRecord(domain, tx, id, { wasProvisioning: status === "PROVISIONING" });
    return { workspace: await tx.workspace.findUniqueOrThrow({ where: { id } }), hints };
  });
  if (!result) return notFound();
  for (const hint of result.hints) if (hint) domain.events.publish(hint);
  domain.provisioning.changed(id);
  return ok(result.workspace);
}

/**
 * REMOVED is final: its tokens are revoked and its secrets, which nothing can
 * use any more, are deleted rather than left at rest.
 */
export async function removeWorkspace(domain: Domain, id: string): Promise<Result<Workspace, RequestFailure>> {
  if (!isWorkspaceId(id)) return notFound();
  const result = await domain.prisma.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.workspace.updateMany({
      where: { id, status: { not: "REMOVED" } },
      data: { status: "REMOVED", inboundSecret: null },
    });
    if (count === 0) return null;
    await tx.instanceToken.updateMany({ where: { workspaceId: id, revokedAt: null }, data: { revokedAt: now } });
    await tx.workspaceSecret.deleteMany({ where: { workspaceId: id } });
    await revokeJoinTokens(tx, id);
    const hint = await recordEvent(tx, {
      workspaceId: id,
      type: "WORKSPACE_REMOVED",
      status: "REMOVED",
      actor: domain.actor,
    });
    return { hint, workspace: await tx.workspace.findUniqueOrThrow({ where: { id } }) };
  });
  if (!result) return notFound();
  domain.events.publish(result.hint);
  domain.provisioning.changed(id);
  return ok(result.workspace);
}
