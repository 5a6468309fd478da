-- CreateIndex
CREATE INDEX "Workspace_runtime_status_idx" ON "Workspace"("runtime", "status");

-- CreateIndex
CREATE INDEX "Workspace_kind_status_idx" ON "Workspace"("kind", "status");

-- Orders of `workspaces` over expressions, which Prisma's schema language
-- cannot express (and its drift check does not compare). Each holds exactly
-- the sort keys src/workspaces/list.ts orders and pages by, id last, so one
-- index serves both directions.

-- NAME: case-insensitive.
CREATE INDEX "Workspace_name_order_idx" ON "Workspace"(lower("name"), "id");

-- LAST_HEARTBEAT_AT: never heartbeated sorts as the oldest.
CREATE INDEX "Workspace_heartbeat_order_idx" ON "Workspace"(COALESCE("lastHeartbeatAt", '-infinity'::timestamptz), "id");
