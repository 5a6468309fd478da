import { actorJson } from "../auth/actor.js";
import type { Domain } from "../domain.js";
import { EVENT_TXID, type EventHint } from "../events/record.js";
import { Prisma, type WorkspaceEventType, type WorkspaceStatus } from "../generated/prisma/client.js";
import type { Logger } from "../log.js";
import { foldStatusCounts } from "./status-counts.js";

/** Workspaces changed per statement; a sweep repeats statements until fewer are due. */
export const SWEEP_BATCH = 5_000;

/**
 * Two statements per batch change every overdue workspace and record its
 * event (set-based: 10,000 due at once are four statements, not 20,000 round
 * trips). Several instances sweeping at once skip each other's locked rows
 * and re-check the condition under the row lock: each change, and its event,
 * happens once.
 */
export async function sweepOnce(
  domain: Domain,
  now = new Date(),
  batch = SWEEP_BATCH,
): Promise<{ timedOut: number; offline: number }> {
  const { config } = domain;
  const provisionDeadline = new Date(now.getTime() - config.provisionTimeoutSeconds * 1000);
  const heartbeatDeadline = new Date(now.getTime() - config.heartbeatTimeoutSeconds * 1000);
  const timedOut = await untilDone(batch, () =>
    timeOutProvisioning(
      domain,
      provisionDeadline,
      `No agent registered within ${config.provisionTimeoutSeconds} s of provisioning.`,
      batch,
    ),
  );
  const offline = await untilDone(batch, () =>
    markSilentOffline(domain, heartbeatDeadline, `No heartbeat for ${config.heartbeatTimeoutSeconds} s.`, batch),
  );
  return { timedOut, offline };
}

async function untilDone(batch: number, step: () => Promise<EventHint[]>): Promise<number> {
  let total = 0;
  for (;;) {
    const hints = await step();
    total += hints.length;
    if (hints.length < batch) return total;
  }
}

/** Who the sweep acts as (SYSTEM sweeps, set by startSweeps), as the events store it. */
const actorOf = (domain: Domain) => JSON.stringify(actorJson(domain.actor));

/** The feed reads everything past its position: the newest hint of a batch wakes it for all of them. */
function publishNewest(domain: Domain, hints: EventHint[]): EventHint[] {
  const newest = hints.reduce<EventHint | null>((a, h) => (a && BigInt(a.seq) > BigInt(h.seq) ? a : h), null);
  if (newest) domain.events.publish(newest);
  return hints;
}

/**
 * Changes a batch and records its events in one transaction of two
 * statements. Not one: a statement reads with the snapshot it started with,
 * and a transaction that changed a workspace (and recorded its event) may
 * commit after that snapshot but before the sweep reaches the row. The
 * event insert must see that event, so its own position comes after it
 * (EVENT_TXID); the second statement's snapshot is taken once every row of
 * the batch is locked, so it does.
 */
async function changeAndRecord(
  domain: Domain,
  change: Prisma.Sql,
  event: { type: WorkspaceEventType; status: WorkspaceStatus; code: string | null; message: string },
): Promise<EventHint[]> {
  return domain.prisma.$transaction(async (tx) => {
    const changed = await tx.$queryRaw<{ id: string }[]>(change);
    if (changed.length === 0) return [];
    return tx.$queryRaw<EventHint[]>`
      INSERT INTO "WorkspaceEvent" ("workspaceId", type, status, code, message, actor, txid)
      SELECT c.id, ${event.type}::"WorkspaceEventType", ${event.status}::"WorkspaceStatus", ${event.code},
             ${event.message}, ${actorOf(domain)}::jsonb, ${EVENT_TXID(Prisma.sql`c.id`)}
      FROM unnest(${changed.map((c) => c.id)}::uuid[]) AS c(id)
      RETURNING seq::text AS seq, "workspaceId"::text AS "workspaceId"`;
  });
}

async function timeOutProvisioning(domain: Domain, deadline: Date, message: string, batch: number) {
  const hints = await changeAndRecord(
    domain,
    Prisma.sql`
      WITH due AS (
        SELECT w.id FROM "Workspace" w
        WHERE w.status = 'PROVISIONING' AND w."provisioningStartedAt" < ${deadline}
        ORDER BY w."provisioningStartedAt" LIMIT ${batch}
        FOR UPDATE OF w SKIP LOCKED
      )
      UPDATE "Workspace" w
      SET status = 'FAILED', "failureCode" = 'PROVISION_TIMEOUT', "failureMessage" = ${message},
          "failedAt" = now(), "updatedAt" = now()
      FROM due
      WHERE w.id = due.id AND w.status = 'PROVISIONING' AND w."provisioningStartedAt" < ${deadline}
      RETURNING w.id::text AS id`,
    { type: "WORKSPACE_PROVISION_FAILED", status: "FAILED", code: "PROVISION_TIMEOUT", message },
  );
  // Their runtimes are no longer wanted: the reconciler stops them.
  for (const h of hints) domain.provisioning.changed(h.workspaceId);
  return publishNewest(domain, hints);
}

/**
 * The index finds the candidates by the mark (never later than the last
 * beat, so every due workspace is among them); the last beat decides. A
 * candidate that is not due has been silent for more than half the timeout.
 */
async function markSilentOffline(domain: Domain, deadline: Date, message: string, batch: number) {
  const hints = await changeAndRecord(
    domain,
    Prisma.sql`
      WITH due AS (
        SELECT w.id FROM "Workspace" w
        WHERE w.status = 'ONLINE' AND w."heartbeatMarkAt" < ${deadline} AND w."lastHeartbeatAt" < ${deadline}
        ORDER BY w."heartbeatMarkAt" LIMIT ${batch}
        FOR UPDATE OF w SKIP LOCKED
      )
      UPDATE "Workspace" w SET status = 'OFFLINE', "updatedAt" = now()
      FROM due
      WHERE w.id = due.id AND w.status = 'ONLINE' AND w."lastHeartbeatAt" < ${deadline}
      RETURNING w.id::text AS id`,
    { type: "WORKSPACE_OFFLINE", status: "OFFLINE", code: null, message },
  );
  return publishNewest(domain, hints);
}

/**
 * Each interval: the sweeps, then the fold of the workspace counts' rows
 * (the sweep's own changes among them). Either failing leaves the other to run.
 */
async function sweepAndFold(domain: Domain, log: Logger): Promise<void> {
  try {
    const r = await sweepOnce(domain);
    if (r.timedOut || r.offline) log.info({ msg: "sweep changed workspaces", ...r });
  } catch (err) {
    log.warn({ msg: "sweep failed; next interval retries", err: (err as Error).message });
  }
  try {
    await foldStatusCounts(domain);
  } catch (err) {
    log.warn({ msg: "folding the workspace counts failed; next interval retries", err: (err as Error).message });
  }
}

export function startSweeps(domain: Domain, intervalMs: number, log: Logger): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepAndFold(domain, log).finally(() => {
      running = null;
    });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
