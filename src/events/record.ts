import { type Actor, actorJson } from "../auth/actor.js";
import type { Prisma, WorkspaceEventType, WorkspaceStatus } from "../generated/prisma/client.js";

export type NewEvent = {
  workspaceId: string;
  type: WorkspaceEventType;
  status: WorkspaceStatus;
  code?: string | null;
  message?: string | null;
  payload?: Prisma.InputJsonValue;
  /** Who caused it (SPEC section 10): required, so no event is recorded without one. */
  actor: Actor;
};

/** The advisory lock every event write takes first (sequence numbers in commit order). */
export const EVENT_ORDER_LOCK = 72707002;

/** What a published hint carries: enough to know which record to read. */
export type EventHint = { seq: string; workspaceId: string };

/**
 * Records an event inside the transaction of the change it describes, in one
 * round trip. One lock for every event insert, held to commit, taken before
 * the row's sequence number is drawn (the insert's row comes from the lock's
 * result): sequence numbers are then handed out in commit order, so "after N"
 * never skips an event that commits late (on PostgreSQL a plain sequence
 * gives insertion order, not commit order).
 */
export async function recordEvent(tx: Prisma.TransactionClient, event: NewEvent): Promise<EventHint> {
  const payload = event.payload === undefined ? null : JSON.stringify(event.payload);
  const actor = JSON.stringify(actorJson(event.actor));
  const [row] = await tx.$queryRaw<EventHint[]>`
    WITH event_order AS (SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK}::bigint))
    INSERT INTO "WorkspaceEvent" ("workspaceId", type, status, code, message, payload, actor)
    SELECT ${event.workspaceId}::uuid, ${event.type}::"WorkspaceEventType", ${event.status}::"WorkspaceStatus",
           ${event.code ?? null}, ${event.message ?? null}, ${payload}::jsonb, ${actor}::jsonb
    FROM event_order
    RETURNING seq::text AS seq, "workspaceId"::text AS "workspaceId"`;
  if (!row) throw new Error("the event insert returned no row");
  return row;
}
