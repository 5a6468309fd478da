-- Events are ordered by (txid, seq) from here on, without a lock around
-- every event write (src/events/cursor.ts). The events recorded before were
-- numbered in commit order under that lock: they take transaction part 0, so
-- they keep their order, come before every later event, and a cursor issued
-- for one of them (`ev:<seq>`) still resumes where it was issued.
ALTER TABLE "WorkspaceEvent" ADD COLUMN "txid" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "WorkspaceEvent" ALTER COLUMN "txid" SET DEFAULT ((pg_current_xact_id())::text)::bigint;

-- DropIndex
DROP INDEX "WorkspaceEvent_workspaceId_seq_idx";

-- CreateIndex
CREATE INDEX "WorkspaceEvent_txid_seq_idx" ON "WorkspaceEvent"("txid", "seq");

-- CreateIndex
CREATE INDEX "WorkspaceEvent_workspaceId_txid_seq_idx" ON "WorkspaceEvent"("workspaceId", "txid", "seq");
