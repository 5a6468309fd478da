-- The name search of `workspaces` (`search`: w."name" ILIKE '%…%' ESCAPE '\',
-- src/workspaces/list.ts) read every row; a trigram index serves it, the
-- page's filter and the counts under it. pg_trgm is a trusted extension
-- (PostgreSQL 13+): a role with CREATE on the database may create it. PGlite
-- loads its code only when opened with it (src/db/pglite-extensions.ts).
-- A search of fewer than 3 characters has no trigram to look up: the
-- planner reads the table for it, as before (still correct, not faster).
-- The common heartbeat never writes the name, so it stays a HOT update.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "Workspace_name_trgm_idx" ON "Workspace" USING GIN ("name" gin_trgm_ops);
