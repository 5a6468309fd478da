-- Exact counts of workspaces by kind, runtime and status that cost the same
-- at any number of workspaces (`workspaces { totalCount countsByStatus }`
-- without a name filter: src/workspaces/status-counts.ts). Counting rows
-- read every row (the heap too, as heartbeats keep clearing the visibility
-- map). The database keeps these counts itself, in the transaction that
-- changes a workspace, so no code path can forget them.
--
-- Rows of changes (+1, -1), not one counter per status: a counter row would
-- be a lock every status change of that status queues on (a sweep of
-- thousands against every register). A count is the sum of its rows; the
-- sweep loop folds them into one row per (kind, runtime, status) in one
-- statement.
-- No key and no index: each change is a plain append.

-- CreateTable
CREATE TABLE "WorkspaceStatusCount" (
    "kind" "WorkspaceKind" NOT NULL,
    "runtime" TEXT NOT NULL,
    "status" "WorkspaceStatus" NOT NULL,
    "delta" BIGINT NOT NULL
);

CREATE FUNCTION "workspace_status_count_delta"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "WorkspaceStatusCount" ("kind", "runtime", "status", "delta")
    VALUES (NEW."kind", NEW."runtime", NEW."status", 1);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "WorkspaceStatusCount" ("kind", "runtime", "status", "delta")
    VALUES (OLD."kind", OLD."runtime", OLD."status", -1);
  ELSE
    INSERT INTO "WorkspaceStatusCount" ("kind", "runtime", "status", "delta")
    VALUES (OLD."kind", OLD."runtime", OLD."status", -1), (NEW."kind", NEW."runtime", NEW."status", 1);
  END IF;
  RETURN NULL;
END
$$;

-- Row triggers, so that a statement changing many rows (a sweep) counts each.
-- The update trigger names its columns: an UPDATE that sets none of them
-- (the common heartbeat, the common register) does not fire it, and one that
-- sets them unchanged is filtered by WHEN before any function runs.
-- (A WHEN clause cannot read OLD on INSERT or NEW on DELETE: two triggers.)
CREATE TRIGGER "Workspace_status_count_insert_delete"
AFTER INSERT OR DELETE ON "Workspace"
FOR EACH ROW EXECUTE FUNCTION "workspace_status_count_delta"();

CREATE TRIGGER "Workspace_status_count_update"
AFTER UPDATE OF "status", "kind", "runtime" ON "Workspace"
FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."kind" IS DISTINCT FROM NEW."kind"
                   OR OLD."runtime" IS DISTINCT FROM NEW."runtime")
EXECUTE FUNCTION "workspace_status_count_delta"();

-- TRUNCATE fires no row trigger: it empties the counts too. TRUNCATE (not
-- DELETE) waits for a fold under way, whose new row a DELETE would not see.
CREATE FUNCTION "workspace_status_count_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "WorkspaceStatusCount";
  RETURN NULL;
END
$$;

CREATE TRIGGER "Workspace_status_count_truncate"
AFTER TRUNCATE ON "Workspace"
FOR EACH STATEMENT EXECUTE FUNCTION "workspace_status_count_truncate"();

-- The counts of the rows already there. After the triggers: creating them
-- locks Workspace against writes until this migration commits, so each row
-- is counted once, here or by a trigger, on a running PostgreSQL too.
INSERT INTO "WorkspaceStatusCount" ("kind", "runtime", "status", "delta")
SELECT "kind", "runtime", "status", count(*) FROM "Workspace" GROUP BY "kind", "runtime", "status";
