-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "WorkspaceEventType" ADD VALUE 'WORKSPACE_RUNTIME_STARTED';
ALTER TYPE "WorkspaceEventType" ADD VALUE 'WORKSPACE_RUNTIME_EXITED';
ALTER TYPE "WorkspaceEventType" ADD VALUE 'WORKSPACE_PROVISIONER_UNAVAILABLE';
ALTER TYPE "WorkspaceEventType" ADD VALUE 'WORKSPACE_CONFIG_READ';

-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "configDigest" TEXT,
ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "leaseHolder" TEXT,
ADD COLUMN     "leaseUntil" TIMESTAMPTZ(3),
ADD COLUMN     "nextStartAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "JoinToken" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "JoinToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuntimeStart" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "backend" TEXT NOT NULL,
    "ref" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "exitedAt" TIMESTAMPTZ(3),
    "exitCode" INTEGER,
    "exitSignal" TEXT,
    "stopped" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "RuntimeStart_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ControlPlane" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "owner" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ControlPlane_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "JoinToken_tokenHash_key" ON "JoinToken"("tokenHash");

-- CreateIndex
CREATE INDEX "JoinToken_workspaceId_idx" ON "JoinToken"("workspaceId");

-- CreateIndex
CREATE INDEX "RuntimeStart_workspaceId_startedAt_idx" ON "RuntimeStart"("workspaceId", "startedAt");

-- AddForeignKey
ALTER TABLE "JoinToken" ADD CONSTRAINT "JoinToken_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuntimeStart" ADD CONSTRAINT "RuntimeStart_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
