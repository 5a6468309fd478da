import { createRequire } from "node:module";
import { configDefaults, defineConfig } from "vitest/config";

// The suite runs once on the embedded PGlite and, when TEST_DATABASE_URL is
// set (CI sets it), once more on PostgreSQL, where races are real.
const postgres = process.env.TEST_DATABASE_URL;

// Process-level files: each starts real server processes, CLIs, containers,
// a browser, a PostgreSQL cluster, or builds a package, and takes seconds to
// minutes. They are projects of their own (pglite-slow, postgres-slow) so
// that `npm run test:fast` (the pglite project: unit and API tests, in
// process) is the edit-test loop; `npm test` runs every project.
const slow = [
  "test/api/startup.test.ts",
  "test/api/drain.test.ts",
  "test/api/migrate-command.test.ts",
  "test/unit/db-migration.test.ts",
  "test/api/fuzz.test.ts",
  "test/api/rekey-secrets.test.ts",
  "test/api/python-agent.test.ts",
  "test/api/agent-client.test.ts",
  "test/api/agent-package.test.ts",
  "test/faults/**",
  "test/browser/**",
  "test/docker/**",
  "test/multi/**",
  "test/provisioning/conformance-process.test.ts",
  "test/provisioning/control-plane.test.ts",
];

// Neither the unit tests nor the Docker backend's touch a database: once (on PGlite) is enough.
const databaseFree = ["test/unit/**", "test/docker/**"];

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

const project = (name: string, backend: "pglite" | "postgres", files: { include?: string[]; exclude: string[] }) => ({
  resolve,
  test: {
    ...shared,
    ...files,
    exclude: [...configDefaults.exclude, ...files.exclude],
    name,
    env: { TEST_BACKEND: backend },
  },
});

export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      project("pglite", "pglite", { exclude: slow }),
      project("pglite-slow", "pglite", { include: slow, exclude: [] }),
      ...(postgres
        ? [
            project("postgres", "postgres", { exclude: [...databaseFree, ...slow] }),
            project("postgres-slow", "postgres", { include: slow, exclude: databaseFree }),
          ]
        : []),
    ],
  },
});
