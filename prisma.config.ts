import path from "node:path";
import { defineConfig } from "prisma/config";

// The schema-engine binary cannot be downloaded on these machines; `generate`
// never runs it but the CLI insists it exists. Point it at a stub that says
// so clearly if anything ever does try to run it (migrations are applied by
// src/db/migrate.ts and written by scripts/db-migration.ts instead).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve("scripts/schema-engine-stub.sh");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
