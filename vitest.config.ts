import { createRequire } from "node:module";
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

// One graphql instance: Vite would resolve "graphql" to its ESM build while
// yoga and Pothos load the CommonJS one in Node, so instanceof GraphQLError
// would fail in tests only (masking yoga's own 400s as 500s).
const resolve = { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") }] };

export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      { resolve, test: { ...shared, name: "pglite", env: { TEST_BACKEND: "pglite" } } },
      ...(postgres
        ? [
            {
              resolve,
              // Neither the unit tests nor the Docker backend's touch a database: once is enough.
              test: {
                ...shared,
                name: "postgres",
                exclude: ["test/unit/**", "test/docker/**"],
                env: { TEST_BACKEND: "postgres" },
              },
            },
          ]
        : []),
    ],
  },
});
