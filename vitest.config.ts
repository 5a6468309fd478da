import { defineConfig } from "vitest/config";

// The suite runs once on the embedded PGlite and, when TEST_DATABASE_URL is
// set (CI sets it), once more on PostgreSQL, where races are real.
const postgres = process.env.TEST_DATABASE_URL;

const shared = {
  include: ["test/**/*.test.ts"],
  globalSetup: ["test/support/global-setup.ts"],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      { test: { ...shared, name: "pglite", env: { TEST_BACKEND: "pglite" } } },
      ...(postgres
        ? [{ test: { ...shared, name: "postgres", exclude: ["test/unit/**"], env: { TEST_BACKEND: "postgres" } } }]
        : []),
    ],
  },
});
