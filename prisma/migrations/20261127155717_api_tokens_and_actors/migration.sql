-- CreateEnum
CREATE TYPE "ApiTokenRole" AS ENUM ('VIEWER', 'OPERATOR', 'ADMIN');

-- CreateEnum
CREATE TYPE "ApiTokenOrigin" AS ENUM ('API', 'ENV', 'GENERATED');

-- AlterTable
ALTER TABLE "OrgSecret" ADD COLUMN     "updatedBy" JSONB;

-- AlterTable
ALTER TABLE "WorkspaceEvent" ADD COLUMN     "actor" JSONB;

-- AlterTable
ALTER TABLE "WorkspaceSecret" ADD COLUMN     "updatedBy" JSONB;

-- AdminToken becomes ApiToken: its rows are kept. ADMIN_TOKEN's rows become
-- the admin token labelled "env"; the one generated at first start keeps its
-- origin, so the next start with ADMIN_TOKEN set revokes it.
ALTER TABLE "AdminToken" RENAME TO "ApiToken";
ALTER TABLE "ApiToken" RENAME CONSTRAINT "AdminToken_pkey" TO "ApiToken_pkey";
ALTER INDEX "AdminToken_tokenHash_key" RENAME TO "ApiToken_tokenHash_key";
ALTER TABLE "ApiToken" ADD COLUMN "role" "ApiTokenRole" NOT NULL DEFAULT 'ADMIN',
    ADD COLUMN "origin" "ApiTokenOrigin" NOT NULL DEFAULT 'API',
    ADD COLUMN "expiresAt" TIMESTAMPTZ(3),
    ADD COLUMN "revokedAt" TIMESTAMPTZ(3),
    ADD COLUMN "lastUsedAt" TIMESTAMPTZ(3),
    ADD COLUMN "createdBy" JSONB;
ALTER TABLE "ApiToken" ALTER COLUMN "role" DROP DEFAULT;
UPDATE "ApiToken" SET "origin" = 'ENV', "label" = 'env' WHERE "label" = 'ADMIN_TOKEN';
UPDATE "ApiToken" SET "origin" = 'GENERATED' WHERE "origin" = 'API';

-- CreateIndex
CREATE INDEX "ApiToken_createdAt_id_idx" ON "ApiToken"("createdAt", "id");
