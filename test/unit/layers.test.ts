import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The import graph's layers (README, Layout): the edge (http/, app.ts) over
// the GraphQL layer (schema/) over the domain and what it uses. No arrow
// points back up, and nothing below the GraphQL layer knows GraphQL.

const SRC = path.resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" || entry.name === "client" ? [] : sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Every import of every module under src/, as the module it names (a src/-relative path, or a package). */
const imports = sourceFiles(SRC).map((file) => {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/^(?:import|export)[^;]*?from "([^"]+)"/gms)].map((m) => m[1] as string);
  return {
    file: path.relative(SRC, file),
    targets: specifiers.map((s) => (s.startsWith(".") ? path.relative(SRC, path.resolve(path.dirname(file), s)) : s)),
  };
});

const layerOf = (module: string) => module.split("/")[0] as string;
const DOMAIN = ["workspaces", "events", "auth", "secrets", "registry", "gate", "provisioning", "db", "cli"];
const GRAPHQL_PACKAGES = /^(graphql|graphql-yoga|graphql-ws|graphql-jit|@pothos\/|@envelop\/|@escape\.tech\/)/;

describe("the import graph's layers", () => {
  it("reads the modules it judges", () => {
    expect(imports.length).toBeGreaterThan(80);
    expect(imports.find((m) => m.file === "schema/workspaces.ts")?.targets).toContain("workspaces/list.js");
  });

  it("the domain and what it uses import neither the GraphQL layer, the edge, nor GraphQL itself", () => {
    const upward = imports
      .filter((m) => DOMAIN.includes(layerOf(m.file)))
      .flatMap((m) =>
        m.targets
          .filter(
            (t) =>
              ["schema", "http", "observability"].includes(layerOf(t)) ||
              t.startsWith("app.") ||
              GRAPHQL_PACKAGES.test(t),
          )
          .map((t) => `${m.file} -> ${t}`),
      );
    expect(upward).toEqual([]);
  });

  it("the GraphQL layer does not import the edge", () => {
    const upward = imports
      .filter((m) => layerOf(m.file) === "schema")
      .flatMap((m) =>
        m.targets.filter((t) => layerOf(t) === "http" || t.startsWith("app.")).map((t) => `${m.file} -> ${t}`),
      );
    expect(upward).toEqual([]);
  });

  it("only main.ts imports app.ts", () => {
    expect(imports.filter((m) => m.targets.includes("app.js")).map((m) => m.file)).toEqual(["main.ts"]);
  });
});
