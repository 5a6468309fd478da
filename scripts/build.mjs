// Bundles the service's own code (not node_modules) into dist/: Node then
// starts from one plain JavaScript file instead of compiling TypeScript at
// every start. Takes well under a second; `npm start` runs it each time.
//   dist/main.js           the service
//   dist/migrate.js        `npm run migrate`: applies pending migrations and exits
//   dist/rekey-secrets.js  `npm run secrets:rekey`, runnable in the image too
//
// Also dist/agent.mjs, the reference agent runtime (SPEC section 9): the
// agent client bundled with everything it imports, so `node dist/agent.mjs`
// runs with no node_modules (a container image holds only node and it). It
// is the agent client package's `workspace-agent` bin (src/client), which
// `npm run build:client` builds with the package on its own.
import { build } from "esbuild";

await Promise.all([
  build({
    entryPoints: { main: "src/main.ts", migrate: "src/cli/migrate.ts", "rekey-secrets": "src/cli/rekey-secrets.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outdir: "dist",
    sourcemap: true,
    logLevel: "warning",
  }),
  build({
    entryPoints: ["src/client/runtime.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: "dist/agent.mjs",
    logLevel: "warning",
  }),
]);
