import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, GetWorkspace, RestartWorkspace } from "../support/operations.js";
import { freePort } from "../support/ports.js";
import { eventually } from "../support/ws.js";

// examples/python/agent.py: the agent posture of the README in 40 lines of
// standard-library Python, run against the real server.

const python = (() => {
  try {
    execFileSync("python3", ["--version"]);
    return "python3";
  } catch {
    return null;
  }
})();

const children: ChildProcess[] = [];
const apps: TestApp[] = [];
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const a of apps) await a.stop();
});

function runAgent(env: Record<string, string>) {
  const child = spawn(python as string, ["examples/python/agent.py"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

describe.skipIf(!python)("the Python example agent", () => {
  it("retries until the server is up, registers, saves its token, heartbeats, and stops for good on 401", async () => {
    const port = await freePort();
    const dir = await mkdtemp(path.join(os.tmpdir(), "cp-py-agent-"));
    const tokenFile = path.join(dir, "token");

    // The agent starts first: connection refused is retried, not final.
    const t = await startTestApp({ PORT: String(port) });
    apps.push(t);
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "py" } })).createWorkspace;
    const id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const agent = runAgent({
      CONTROL_PLANE_URL: `http://127.0.0.1:${port}/graphql`,
      WORKSPACE_ID: id,
      TOKEN_FILE: tokenFile,
      HEARTBEAT_INTERVAL: "0.2",
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(agent.child.exitCode).toBeNull();
    await t.listen();

    const read = async () => ok(await gql(t, GetWorkspace, { id })).workspace;
    await eventually(async () => (await read())?.status === "ONLINE", "the agent registered");
    const first = (await read())?.lastHeartbeatAt;
    await eventually(async () => (await read())?.lastHeartbeatAt !== first, "the agent heartbeats");
    expect((await readFile(tokenFile, "utf8")).length).toBe(43);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);

    // A restart revokes its token: the next heartbeat is 401, final.
    ok(await gql(t, RestartWorkspace, { id }));
    expect(await agent.exited).toBe(1);
    expect(agent.stderr()).toContain("refused for good (401)");
  });

  it("ends with its code when the workspace is gone (NOT_FOUND is final)", async () => {
    const t = await startTestApp();
    apps.push(t);
    const base = await t.listen();
    const agent = runAgent({
      CONTROL_PLANE_URL: `${base}/graphql`,
      WORKSPACE_ID: "00000000-0000-4000-8000-000000000000",
      TOKEN_FILE: path.join(await mkdtemp(path.join(os.tmpdir(), "cp-py-agent-")), "token"),
    });
    expect(await agent.exited).toBe(3);
  });
});
