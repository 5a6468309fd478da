-- DropIndex
DROP INDEX "Workspace_status_lastHeartbeatAt_idx";

-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "heartbeatMarkAt" TIMESTAMPTZ(3);

-- The mark starts where the beats are: never later than lastHeartbeatAt.
UPDATE "Workspace" SET "heartbeatMarkAt" = "lastHeartbeatAt" WHERE "lastHeartbeatAt" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Workspace_status_heartbeatMarkAt_idx" ON "Workspace"("status", "heartbeatMarkAt");
