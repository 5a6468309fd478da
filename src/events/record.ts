import { type Actor, actorJson } from "../auth/actor.js";
import { Prisma, type WorkspaceEventType, type WorkspaceStatus } from "../generated/prisma/client.js";

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

/** What a published hint carries: enough to know which record to read. */
export type EventHint = { seq: string; workspaceId: string };

/**
 * The transaction part of a new event's position: this transaction's id, or
 * the workspace's newest event's if that is larger. A transaction can hold an
 * older id than one that changed the workspace before it (it wrote something
 * else first, then waited for the workspace's row lock); without the bump its
 * event would sort before the change it follows. Read under the row lock the
 * caller holds, so a workspace's events keep the order they committed in; a
 * running transaction's events still never sort below its own id, which is
 * what settling relies on (src/events/visibility.ts).
 */
export const EVENT_TXID = (workspaceId: Prisma.Sql) => Prisma.sql`greatest(
  (pg_current_xact_id())::text::bigint,
  (SELECT max(p.txid) FROM "WorkspaceEvent" p WHERE p."workspaceId" = ${workspaceId}))`;

/**
 * Records an event inside the transaction of the change it describes, in one
 * round trip. Its position is (EVENT_TXID, the row's sequence number);
 * readers order by it and see it once it is settled, so no lock is shared by
 * every event write.
 */
export async function recordEvent(tx: Prisma.TransactionClient, event: NewEvent): Promise<EventHint> {
  const payload = event.payload === undefined ? null : JSON.stringify(event.payload);
  const actor = JSON.stringify(actorJson(event.actor));
  const [row] = await tx.$queryRaw<EventHint[]>`
    INSERT INTO "WorkspaceEvent" ("workspaceId", type, status, code, message, payload, actor, txid)
    VALUES (${event.workspaceId}::uuid, ${event.type}::"WorkspaceEventType", ${event.status}::"WorkspaceStatus",
            ${event.code ?? null}, ${event.message ?? null}, ${payload}::jsonb, ${actor}::jsonb,
            ${EVENT_TXID(Prisma.sql`${event.workspaceId}::uuid`)})
    RETURNING seq::text AS seq, "workspaceId"::text AS "workspaceId"`;
  if (!row) throw new Error("the event insert returned no row");
  return row;
}
