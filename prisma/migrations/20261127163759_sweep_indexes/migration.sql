-- CreateIndex
CREATE INDEX "Workspace_status_lastHeartbeatAt_idx" ON "Workspace"("status", "lastHeartbeatAt");

-- CreateIndex
CREATE INDEX "Workspace_status_provisioningStartedAt_idx" ON "Workspace"("status", "provisioningStartedAt");
