import type { Prisma, WorkspaceEventType, WorkspaceStatus } from "../generated/prisma/client.js";

export type NewEvent = {
  workspaceId: string;
  type: WorkspaceEventType;
  status: WorkspaceStatus;
  code?: string | null;
  message?: string | null;
  payload?: Prisma.InputJsonValue;
};

/** What a published hint carries: enough to know which record to read. */
export type EventHint = { seq: string; workspaceId: string };

// One lock for every event insert, held to commit: sequence numbers are then
// handed out in commit order, so "after N" never skips an event that commits
// late (on PostgreSQL a plain sequence gives insertion order, not commit order).
const EVENT_ORDER_LOCK = "SELECT pg_advisory_xact_lock(72707002)";

/** Records an event inside the transaction of the change it describes. */
export async function recordEvent(tx: Prisma.TransactionClient, event: NewEvent): Promise<EventHint> {
  await tx.$executeRawUnsafe(EVENT_ORDER_LOCK);
  const row = await tx.workspaceEvent.create({
    data: {
      workspaceId: event.workspaceId,
      type: event.type,
      status: event.status,
      code: event.code ?? null,
      message: event.message ?? null,
      payload: event.payload,
    },
    select: { seq: true, workspaceId: true },
  });
  return { seq: row.seq.toString(), workspaceId: row.workspaceId };
}
