// Bundles the service's own code (not node_modules) into dist/: Node then
// starts from one plain JavaScript file instead of compiling TypeScript at
// every start. Takes well under a second; `npm start` runs it each time.
//   dist/main.js     the service
//   dist/migrate.js  `npm run migrate`: applies pending migrations and exits
import { build } from "esbuild";

await build({
  entryPoints: { main: "src/main.ts", migrate: "src/cli/migrate.ts" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outdir: "dist",
  sourcemap: true,
  logLevel: "warning",
});
