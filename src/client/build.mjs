// Builds the package on its own (`npm run build:client` at the top level):
//   dist/index.js     the client: one ES module, no dependencies (esbuild)
//   dist/runtime.js   the reference agent runtime, the `workspace-agent` bin
//   dist/*.d.ts       the declarations (tsc), where `exports` points `types`
// `--out DIR` builds elsewhere than ./dist (the package test builds its own copy).
import { execFileSync } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = import.meta.dirname;
const { values } = parseArgs({ options: { out: { type: "string", default: path.join(here, "dist") } } });
const out = path.resolve(values.out);
await rm(out, { recursive: true, force: true });
const common = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning" };
await Promise.all([
  build({ ...common, entryPoints: [path.join(here, "index.ts")], outfile: path.join(out, "index.js") }),
  build({
    ...common,
    entryPoints: [path.join(here, "runtime.ts")],
    outfile: path.join(out, "runtime.js"),
    banner: { js: "#!/usr/bin/env node" },
  }),
]);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", path.join(here, "tsconfig.json"), "--outDir", out], { stdio: "inherit" });

// The generated documents' class implements one interface of
// @graphql-typed-document-node/core, a types-only package (whose graphql peer
// an installer would pull in). Written into the declarations instead, the
// package depends on nothing; the shape is the same, so typed GraphQL
// clients still read the documents' result and variable types.
const documents = path.join(out, "gql/graphql.d.ts");
const IMPORT = "import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';";
const text = await readFile(documents, "utf8");
if (!text.includes(IMPORT)) throw new Error(`${documents}: the import to replace is not there; update build.mjs`);
const INTERFACE =
  "interface DocumentTypeDecoration<TResult, TVariables> {\n  __apiType?: (variables: TVariables) => TResult;\n}";
await writeFile(documents, text.replace(IMPORT, INTERFACE));
