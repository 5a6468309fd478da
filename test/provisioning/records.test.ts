import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ObservedRuntime } from "../../src/provisioning/backend.js";
import { recordAdopted, recordStarted } from "../../src/provisioning/records.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace } from "../support/operations.js";

// A start is answered by its backend, and the same runtime may also be seen
// by a listing (adoption after a control plane restart) before that answer
// is recorded: WORKSPACE_RUNTIME_STARTED is recorded once, whichever comes first.

const t = useTestApp();

describe("the record of a runtime's start", () => {
  it("the start's answer and an adoption of the same runtime, at once: one WORKSPACE_RUNTIME_STARTED", async () => {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "answered twice" } })).createWorkspace;
    const workspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const { prisma } = t.app.domain;
    const startId = randomUUID();
    await prisma.runtimeStart.create({ data: { id: startId, workspaceId, generation: 1, backend: "process" } });
    const runtime: ObservedRuntime = { ref: "4242", workspaceId, generation: 1, state: "running" };

    await Promise.all([
      recordStarted(t.app.domain, startId, workspaceId, runtime),
      recordAdopted(t.app.domain, runtime),
      recordStarted(t.app.domain, startId, workspaceId, runtime),
    ]);
    await recordAdopted(t.app.domain, runtime);

    const started = await prisma.workspaceEvent.count({ where: { workspaceId, type: "WORKSPACE_RUNTIME_STARTED" } });
    expect(started).toBe(1);
    expect((await prisma.runtimeStart.findUniqueOrThrow({ where: { id: startId } })).ref).toBe("4242");
  });
});
