-- The order by last heartbeat (`workspaces(orderBy: {field: LAST_HEARTBEAT_AT})`)
-- at any number of workspaces. Workspace may not index lastHeartbeatAt: every
-- heartbeat writes it, and an indexed column makes each beat a new entry in
-- each of the table's indexes (the trigram index among them) instead of an
-- update in place (HOT). Without an index the order sorted every listed row
-- (25-42 ms at 100,000). This narrow table holds the last beat again, with
-- its own index: a beat writes one small row and two b-tree entries more.
--
-- The status is copied too, and leads the index: it goes with the beat (a
-- failed or provisioning workspace's beat is old or missing), so an index on
-- the beat alone, filtered by status, walked most of the table to find a
-- page of FAILED workspaces (114-127 ms at 100,000). The list reads each
-- listed status's newest beats from its own range and merges them.
--
-- A trigger keeps it, in the transaction of every insert and every change of
-- lastHeartbeatAt or status, so no writer can forget it (the heartbeat,
-- register, a sweep, a test's own UPDATE). Only the trigger writes it, and
-- always under the Workspace row's lock, so two writers never queue on its
-- row in an order that could deadlock.

-- CreateTable
CREATE TABLE "WorkspaceLastBeat" (
    "workspaceId" UUID NOT NULL,
    "status" "WorkspaceStatus" NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkspaceLastBeat_pkey" PRIMARY KEY ("workspaceId")
);

-- AddForeignKey
ALTER TABLE "WorkspaceLastBeat" ADD CONSTRAINT "WorkspaceLastBeat_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Never heartbeated is -infinity: it sorts as the oldest, in both directions,
-- as COALESCE(lastHeartbeatAt, '-infinity') did.
CREATE FUNCTION "workspace_last_beat"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "WorkspaceLastBeat" ("workspaceId", "status", "at")
    VALUES (NEW."id", NEW."status", COALESCE(NEW."lastHeartbeatAt", '-infinity'));
  ELSE
    UPDATE "WorkspaceLastBeat" SET "status" = NEW."status", "at" = COALESCE(NEW."lastHeartbeatAt", '-infinity')
    WHERE "workspaceId" = NEW."id";
  END IF;
  RETURN NULL;
END
$$;

-- Row triggers, so that a statement changing many rows (a group of beats, a
-- sweep) keeps each. The update trigger names its columns: an UPDATE that
-- sets neither (a config read, a lease) does not fire it, and one that sets
-- them unchanged is filtered by WHEN before any function runs.
-- (A WHEN clause cannot read OLD on INSERT: two triggers.)
CREATE TRIGGER "Workspace_last_beat_insert"
AFTER INSERT ON "Workspace"
FOR EACH ROW EXECUTE FUNCTION "workspace_last_beat"();

CREATE TRIGGER "Workspace_last_beat_update"
AFTER UPDATE OF "lastHeartbeatAt", "status" ON "Workspace"
FOR EACH ROW WHEN (OLD."lastHeartbeatAt" IS DISTINCT FROM NEW."lastHeartbeatAt" OR OLD."status" IS DISTINCT FROM NEW."status")
EXECUTE FUNCTION "workspace_last_beat"();

-- The rows already there. After the triggers: creating them locks Workspace
-- against writes until this migration commits, so each row is copied once,
-- here or by a trigger, on a running PostgreSQL too.
INSERT INTO "WorkspaceLastBeat" ("workspaceId", "status", "at")
SELECT "id", "status", COALESCE("lastHeartbeatAt", '-infinity') FROM "Workspace";

-- CreateIndex (after the copy: one sort instead of an insert a row)
CREATE INDEX "WorkspaceLastBeat_status_at_workspaceId_idx" ON "WorkspaceLastBeat"("status", "at", "workspaceId");
