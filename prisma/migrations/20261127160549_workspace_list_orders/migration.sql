-- CreateIndex
CREATE INDEX "Workspace_runtime_status_idx" ON "Workspace"("runtime", "status");

-- CreateIndex
CREATE INDEX "Workspace_kind_status_idx" ON "Workspace"("kind", "status");

-- Orders of `workspaces` over expressions, which Prisma's schema language
-- cannot express (and its drift check does not compare). An index holds
-- exactly the sort keys src/workspaces/list.ts orders and pages by, id last,
-- so it serves both directions.

-- NAME: case-insensitive.
CREATE INDEX "Workspace_name_order_idx" ON "Workspace"(lower("name"), "id");

-- LAST_HEARTBEAT_AT has no index on purpose: every heartbeat changes that
-- column, and an index on it would make each beat (the hottest write) a
-- non-HOT update touching every index of the table (measured on PostgreSQL:
-- 147 HOT updates of 3,207 with it, all of them without). A list in that
-- order sorts its filtered rows instead.
