// Bundles the service's own code (not node_modules) into dist/main.js: Node
// then starts from one plain JavaScript file instead of compiling TypeScript
// at every start. Takes well under a second; `npm start` runs it each time.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outfile: "dist/main.js",
  sourcemap: true,
  logLevel: "warning",
});
