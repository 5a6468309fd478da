import type { Domain } from "../domain.js";
import { recordEvent } from "../events/record.js";
import type { Logger } from "../log.js";
import { markProvisionFailed } from "./provision.js";

const BATCH = 200;

/**
 * Overdue workspaces change status exactly once even when several instances
 * sweep together: each change is a conditional update (still in that status,
 * still past its deadline), and only the instance whose update matched
 * records the event.
 */
export async function sweepOnce(domain: Domain, now = new Date()): Promise<{ timedOut: number; offline: number }> {
  const { prisma, config } = domain;
  const provisionDeadline = new Date(now.getTime() - config.provisionTimeoutSeconds * 1000);
  const heartbeatDeadline = new Date(now.getTime() - config.heartbeatTimeoutSeconds * 1000);

  let timedOut = 0;
  const stuck = await prisma.workspace.findMany({
    where: { status: "PROVISIONING", provisioningStartedAt: { lt: provisionDeadline } },
    select: { id: true },
    take: BATCH,
  });
  for (const { id } of stuck) {
    const message = `No agent registered within ${config.provisionTimeoutSeconds} s of provisioning.`;
    const changed = await markProvisionFailed(domain, id, "PROVISION_TIMEOUT", message, {
      provisioningStartedAt: { lt: provisionDeadline },
    });
    if (changed) {
      timedOut++;
      domain.provisioning.changed(id);
    }
  }

  let offline = 0;
  const silent = await prisma.workspace.findMany({
    where: { status: "ONLINE", lastHeartbeatAt: { lt: heartbeatDeadline } },
    select: { id: true },
    take: BATCH,
  });
  for (const { id } of silent) {
    const hint = await prisma.$transaction(async (tx) => {
      const { count } = await tx.workspace.updateMany({
        where: { id, status: "ONLINE", lastHeartbeatAt: { lt: heartbeatDeadline } },
        data: { status: "OFFLINE" },
      });
      if (count === 0) return null;
      return recordEvent(tx, {
        workspaceId: id,
        type: "WORKSPACE_OFFLINE",
        status: "OFFLINE",
        message: `No heartbeat for ${config.heartbeatTimeoutSeconds} s.`,
      });
    });
    if (hint) {
      domain.events.publish(hint);
      offline++;
    }
  }
  return { timedOut, offline };
}

export function startSweeps(domain: Domain, intervalMs: number, log: Logger): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepOnce(domain)
      .then((r) => {
        if (r.timedOut || r.offline) log.info({ msg: "sweep changed workspaces", ...r });
      })
      .catch((err: Error) => log.warn({ msg: "sweep failed; next interval retries", err: err.message }))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
