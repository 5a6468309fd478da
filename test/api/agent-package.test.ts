import { spawn, spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Kind, parse } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import * as testDocuments from "../gql/graphql.js";
import { type InstalledPackage, installAgentClientPackage, PACKAGE_NAME } from "../support/agent-package.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace, GetWorkspace } from "../support/operations.js";

// The agent client as it ships: what the packed package holds, that an
// author's code type-checks against it, and its bin run as an agent. Its
// behaviour (register, retries, heartbeats) is in agent-client.test.ts.

const t = useTestApp();
let endpoint: string;
let installed: InstalledPackage;
beforeAll(async () => {
  installed = await installAgentClientPackage();
  endpoint = `${await t.listen()}/graphql`;
}, 180_000);

async function createWorkspace(input: { kind?: "PLATFORM" | "WORKSPACE" } = {}) {
  const r = ok(await gql(t, CreateWorkspace, { input: { name: "agent", ...input } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace.id;
}

const readWorkspace = async (id: string) => ok(await gql(t, GetWorkspace, { id })).workspace;
const liveTokens = (workspaceId: string) =>
  t.app.domain.prisma.instanceToken.count({ where: { workspaceId, revokedAt: null } });

describe("agent client: the package", () => {
  it("ships its bundles, its declarations and its package.json, and no source", async () => {
    expect(installed.packed).toEqual(expect.arrayContaining(["package.json", "dist/index.js", "dist/index.d.ts"]));
    expect(installed.packed).toContain("dist/runtime.js");
    expect(installed.packed.filter((f) => !/^(package\.json|README\.md|dist\/.*\.(js|d\.ts))$/.test(f))).toEqual([]);
    const manifest = JSON.parse(await readFile(path.join(installed.dir, "package.json"), "utf8"));
    expect(manifest).toMatchObject({
      name: PACKAGE_NAME,
      type: "module",
      exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } },
    });
    expect(manifest.dependencies ?? {}).toEqual({});
    const declarations = await readFile(path.join(installed.dir, "dist/index.d.ts"), "utf8");
    expect(declarations).toMatch(/createAgentClient/);
  });

  it("carries the agent's operations and none of the tests' (nor does dist/agent.mjs)", async () => {
    const testOperations = new Set<string>();
    for (const doc of Object.values(testDocuments)) {
      if (!(doc instanceof testDocuments.TypedDocumentString)) continue;
      for (const def of parse(doc.toString()).definitions) {
        if (def.kind === Kind.OPERATION_DEFINITION && def.name) testOperations.add(def.name.value);
      }
    }
    expect(testOperations.size).toBeGreaterThanOrEqual(15);
    const bundles = ["dist/index.js", "dist/runtime.js"].map((f) => path.join(installed.dir, f));
    bundles.push(path.resolve(import.meta.dirname, "../../dist/agent.mjs"));
    for (const file of bundles) {
      const text = await readFile(file, "utf8");
      const shipped = [...text.matchAll(/\b(?:query|mutation|subscription) ([_A-Za-z]\w*)/g)].map((m) => m[1]);
      expect(new Set(shipped), file).toEqual(
        new Set(file.endsWith("index.js") ? ["AgentRegisterWorkspace", "AgentHeartbeat", "AgentReadConfig"] : shipped),
      );
      expect(shipped, file).toEqual(expect.arrayContaining(["AgentRegisterWorkspace", "AgentHeartbeat"]));
      expect(
        shipped.filter((name) => testOperations.has(name as string)),
        file,
      ).toEqual([]);
    }
  });

  it("types an author's code through its declarations", async () => {
    await writeFile(
      path.join(installed.consumer, "agent.ts"),
      `import { type AgentClient, createAgentClient, fileTokenStore, type StopReason } from "${PACKAGE_NAME}";
const agent: AgentClient = createAgentClient({
  endpoint: "http://127.0.0.1:4000/graphql",
  workspaceId: "ws",
  tokenStore: fileTokenStore("/tmp/token"),
  onStopped: ({ reason }) => {
    const r: StopReason = reason;
    return r;
  },
});
// @ts-expect-error: the options are typed, not any
createAgentClient({ endpoint: "x", workspaceId: "ws", tokenStore: fileTokenStore("/tmp/token"), heartbeatIntervalMs: "30s" });
// @ts-expect-error: a state the client never has
const bad: typeof agent.state = "paused";
export { agent, bad };
`,
    );
    const typeRoots = path.resolve(import.meta.dirname, "../../node_modules/@types");
    await writeFile(
      path.join(installed.consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          types: ["node"],
          typeRoots: [typeRoots],
        },
        files: ["agent.ts"],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", installed.consumer], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("runs as an agent from its bin: registers, reads its configuration, stops cleanly on SIGTERM", async () => {
    const id = await createWorkspace();
    const agent = spawn(process.execPath, [path.join(installed.consumer, "node_modules/.bin/workspace-agent")], {
      env: { WORKSPACE_ID: id, CONTROL_PLANE_URL: endpoint },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = "";
    agent.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => agent.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      agent.stdout.setEncoding("utf8").on("data", (d: string) => {
        buffered += d;
        const complete = buffered.split("\n");
        buffered = complete.pop() ?? "";
        for (const l of complete) lines.push(JSON.parse(l));
        if (lines.some((l) => l.msg === "configuration read")) resolve();
      });
      void exited.then((code) => reject(new Error(`agent exited (${code}): ${JSON.stringify(lines)} ${stderr}`)));
    });
    expect(lines).toEqual(
      expect.arrayContaining([expect.objectContaining({ msg: "registered", workspaceId: id, bootstrapped: true })]),
    );
    expect(await readWorkspace(id)).toMatchObject({ status: "ONLINE" });
    expect(await liveTokens(id)).toBe(1);
    agent.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
