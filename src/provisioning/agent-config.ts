import { agentActor } from "../auth/actor.js";
import { type AgentAuth, requireOwnInstanceToken } from "../auth/instance-token.js";
import { failed, ok, type RequestFailure, type Result } from "../errors.js";
import { recordEvent } from "../events/record.js";
import { lockWorkspace } from "../workspaces/provision.js";
import { isWorkspaceId, noSuchWorkspace } from "../workspaces/validate.js";
import { type RuntimeEnvironment, readRuntimeEnvironment } from "./environment.js";

const notFound = () => noSuchWorkspace("workspaceId");

/**
 * The runtime's configuration, values included: the one place secret values
 * leave the service (SPEC 9). Each read is recorded as WORKSPACE_CONFIG_READ
 * with the keys only, in the same transaction as the read.
 */
export async function readAgentConfig(
  auth: AgentAuth,
  workspaceId: string,
): Promise<Result<RuntimeEnvironment, RequestFailure>> {
  // The token decides first; a malformed id is then simply not its workspace.
  await requireOwnInstanceToken(auth.domain.prisma, auth.admins, auth.bearer, workspaceId);
  if (!isWorkspaceId(workspaceId)) return notFound();
  const { domain } = auth;
  const result = await domain.prisma.$transaction(async (tx) => {
    const status = await lockWorkspace(tx, workspaceId);
    if (!status || status === "REMOVED") return notFound();
    if (status === "FAILED")
      return failed("WORKSPACE_FAILED", "The workspace is FAILED: fix the cause, then restartWorkspace.");
    const env = await readRuntimeEnvironment(tx, domain.provisioning.environment, workspaceId);
    if (!env) return notFound();
    // With a provisioner the digest is the one of the start; a runtime
    // started elsewhere is configured by this read.
    if (domain.provisioning.mode === "external") {
      await tx.workspace.update({
        where: { id: workspaceId },
        data: { configDigest: env.digest },
        select: { id: true },
      });
    }
    const hint = await recordEvent(tx, {
      workspaceId,
      actor: agentActor(workspaceId),
      type: "WORKSPACE_CONFIG_READ",
      status: status as "PROVISIONING" | "ONLINE" | "OFFLINE",
      payload: {
        keys: env.entries.map((e) => e.key),
        unreadable: env.entries.filter((e) => "error" in e).map((e) => e.key),
      },
    });
    return ok({ env, hint });
  });
  if (!result.ok) return result;
  domain.events.publish(result.value.hint);
  return ok(result.value.env);
}
