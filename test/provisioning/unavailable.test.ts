import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BackendUnavailableError,
  type ObservedRuntime,
  type RuntimeBackend,
  type RuntimeSpec,
} from "../../src/provisioning/backend.js";
import { Reconciler } from "../../src/provisioning/reconciler.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { captureLog, startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, RuntimeState } from "../support/operations.js";
import { eventually } from "../support/runtimes.js";

// An engine that cannot be reached (Docker down, SPEC 9): the desired state
// is kept, WORKSPACE_PROVISIONER_UNAVAILABLE is recorded once per outage,
// the API keeps answering, and the runtime starts once the engine is back.
// The engine is a stand-in whose outage the test switches on and off.

class FlakyEngine implements RuntimeBackend {
  readonly name = "flaky";
  down = true;
  calls = 0;
  readonly runtimes = new Map<string, ObservedRuntime>();
  private check() {
    this.calls++;
    if (this.down) throw new BackendUnavailableError("connect ECONNREFUSED /var/run/engine.sock");
  }
  async start(spec: RuntimeSpec) {
    this.check();
    const r: ObservedRuntime = {
      ref: `${spec.workspaceId}:${spec.generation}`,
      workspaceId: spec.workspaceId,
      generation: spec.generation,
      state: "running",
    };
    this.runtimes.set(r.ref, r);
    return r;
  }
  async stop(ref: string) {
    this.check();
    this.runtimes.delete(ref);
  }
  async list() {
    this.check();
    return [...this.runtimes.values()];
  }
  watch() {
    return () => {};
  }
  async close() {}
}

let t: TestApp;
let reconciler: Reconciler;
const engine = new FlakyEngine();

beforeAll(async () => {
  // PROVISIONER=process for the join-token rules; the app never listens, so its own reconciler never runs.
  t = await startTestApp({ PROVISIONER: "process" });
  reconciler = new Reconciler({
    domain: t.app.domain,
    backend: engine,
    holder: "test-instance",
    provisionerConfig: { runtimes: {}, default: undefined },
    intervalMs: 100,
    maxRestarts: 3,
    log: captureLog().log,
  });
});
afterAll(async () => {
  await reconciler.stop();
  await t.stop();
});

const unavailableEvents = (workspaceId: string) =>
  t.app.domain.prisma.workspaceEvent.count({ where: { workspaceId, type: "WORKSPACE_PROVISIONER_UNAVAILABLE" } });

describe("a provisioner whose engine is down", () => {
  it("records WORKSPACE_PROVISIONER_UNAVAILABLE once per outage, keeps answering, and converges when the engine returns", async () => {
    const r = ok(await gql(t, CreateWorkspace, { input: { name: "waiting" } })).createWorkspace;
    const id = expectSuccess(r, "CreateWorkspaceSuccess").workspace.id;
    reconciler.start();

    await eventually("the outage recorded", async () => ((await unavailableEvents(id)) > 0 ? true : undefined));
    const seen = engine.calls;
    await eventually("many more tries", async () => (engine.calls > seen + 10 ? true : undefined));
    expect(await unavailableEvents(id)).toBe(1);
    expect(ok(await gql(t, RuntimeState, { id })).workspace?.status).toBe("PROVISIONING");
    expect(engine.runtimes.size).toBe(0);

    engine.down = false;
    await eventually("the runtime started", async () => (engine.runtimes.size === 1 ? true : undefined));
    await reconciler.settled();
    const started = await t.app.domain.prisma.workspaceEvent.count({
      where: { workspaceId: id, type: "WORKSPACE_RUNTIME_STARTED" },
    });
    expect(started).toBe(1);

    // A second outage is a second event; the running runtime is kept meanwhile.
    engine.down = true;
    await eventually("the second outage recorded", async () =>
      (await unavailableEvents(id)) === 2 ? true : undefined,
    );
    engine.down = false;
    const again = engine.calls;
    await eventually("passes after the outage", async () => (engine.calls > again + 5 ? true : undefined));
    await reconciler.settled();
    expect(engine.runtimes.size).toBe(1);
    expect(await unavailableEvents(id)).toBe(2);
  });
});
