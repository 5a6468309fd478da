-- CreateEnum
CREATE TYPE "WorkspaceKind" AS ENUM ('WORKSPACE', 'PLATFORM');

-- CreateEnum
CREATE TYPE "WorkspaceStatus" AS ENUM ('PROVISIONING', 'ONLINE', 'OFFLINE', 'FAILED', 'REMOVED');

-- CreateEnum
CREATE TYPE "DeliveryMode" AS ENUM ('PUSH', 'POLL');

-- CreateEnum
CREATE TYPE "WorkspaceEventType" AS ENUM ('WORKSPACE_PROVISIONING', 'WORKSPACE_ONLINE', 'WORKSPACE_OFFLINE', 'WORKSPACE_PROVISION_FAILED', 'WORKSPACE_REMOVED');

-- CreateTable
CREATE TABLE "Workspace" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "WorkspaceKind" NOT NULL DEFAULT 'WORKSPACE',
    "runtime" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "provider" TEXT,
    "platformBilled" BOOLEAN NOT NULL DEFAULT false,
    "status" "WorkspaceStatus" NOT NULL DEFAULT 'PROVISIONING',
    "failureCode" TEXT,
    "failureMessage" TEXT,
    "failedAt" TIMESTAMPTZ(3),
    "url" TEXT,
    "deliveryMode" "DeliveryMode",
    "agentCard" JSONB,
    "lastHeartbeatAt" TIMESTAMPTZ(3),
    "provisioningStartedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "inboundSecret" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Workspace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkspaceSecret" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkspaceSecret_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrgSecret" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OrgSecret_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "InstanceToken" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "InstanceToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdminToken" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AdminToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkspaceEvent" (
    "seq" BIGSERIAL NOT NULL,
    "workspaceId" UUID NOT NULL,
    "type" "WorkspaceEventType" NOT NULL,
    "status" "WorkspaceStatus" NOT NULL,
    "code" TEXT,
    "message" TEXT,
    "payload" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkspaceEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "Workspace_status_createdAt_id_idx" ON "Workspace"("status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Workspace_createdAt_id_idx" ON "Workspace"("createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "WorkspaceSecret_workspaceId_key_key" ON "WorkspaceSecret"("workspaceId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "InstanceToken_tokenHash_key" ON "InstanceToken"("tokenHash");

-- CreateIndex
CREATE INDEX "InstanceToken_workspaceId_idx" ON "InstanceToken"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "AdminToken_tokenHash_key" ON "AdminToken"("tokenHash");

-- CreateIndex
CREATE INDEX "WorkspaceEvent_workspaceId_seq_idx" ON "WorkspaceEvent"("workspaceId", "seq");

-- AddForeignKey
ALTER TABLE "WorkspaceSecret" ADD CONSTRAINT "WorkspaceSecret_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstanceToken" ADD CONSTRAINT "InstanceToken_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkspaceEvent" ADD CONSTRAINT "WorkspaceEvent_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Rules Prisma's schema language cannot express (kept out of the drift check
-- by scripts/db-migration.ts, which knows these names).

-- At most one non-removed platform agent: two racing creates give one CONFLICT.
CREATE UNIQUE INDEX "Workspace_one_live_platform" ON "Workspace"("kind") WHERE "kind" = 'PLATFORM' AND "status" <> 'REMOVED';

-- At most one live instance token per workspace, whatever the code above does.
CREATE UNIQUE INDEX "InstanceToken_one_live_per_workspace" ON "InstanceToken"("workspaceId") WHERE "revokedAt" IS NULL;
