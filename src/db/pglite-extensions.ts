import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";

/**
 * The extensions the migrations create (pg_trgm: the name search's index).
 * PGlite loads an extension's code only into a database opened with it, so
 * every PGlite that runs the migrations or opens a migrated data directory
 * passes these (src/db/database.ts, scripts/db-migration.ts).
 */
export const PGLITE_EXTENSIONS = { pg_trgm };
