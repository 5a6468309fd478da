import { describe, expect, it } from "vitest";
import { compareEventPositions, positionOf } from "../../src/events/cursor.js";
import type { FeedListener } from "../../src/events/feed.js";
import type { WorkspaceEvent } from "../../src/generated/prisma/client.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace, RegisterWorkspace, RestartWorkspace } from "../support/operations.js";

// The feed hands an event to its listeners a slice per turn of the event
// loop (what is in flight stays small with 10,000 subscribers). Whatever the
// slicing, each listener gets every event once and in order; one that leaves
// meanwhile gets nothing more; one that arrives meanwhile starts after it.

const t = useTestApp();

const seqs = (events: WorkspaceEvent[]) => events.map((e) => e.seq);
const eventually = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe("the feed's dispatch to many listeners", () => {
  it("1,000 listeners of one workspace: every event once and in order, across turns of the event loop", async () => {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "many listeners" } })).createWorkspace;
    const id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const feed = t.app.feed;
    // The create event is handed out before anyone listens: the listeners see what follows.
    await feed.wake();
    const from = feed.position;
    const N = 1_000;
    const got: WorkspaceEvent[][] = Array.from({ length: N }, () => []);
    const stops: (() => void)[] = [];
    let lateStop: (() => void) | undefined;
    const late: WorkspaceEvent[] = [];
    let turnPassed = false;
    let lastSawATurn: boolean | undefined;
    for (let i = 0; i < N; i++) {
      const listener: FeedListener = (event) => {
        got[i]?.push(event);
        if (got[i]?.length !== 1) return;
        if (i === 0) setImmediate(() => (turnPassed = true));
        if (i === N - 1) lastSawATurn = turnPassed;
        if (i === 300) {
          // Mid-dispatch of the first event: one listener leaves, another arrives.
          stops[600]?.();
          lateStop = feed.listen(id, (e) => late.push(e));
        }
      };
      stops.push(feed.listen(id, listener));
    }
    try {
      const reg = ok(
        await gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token: null }),
      ).registerWorkspace;
      expectSuccess(reg, "RegisterWorkspaceSuccess");
      expectSuccess(ok(await gql(t, RestartWorkspace, { id })).restartWorkspace, "WorkspaceSuccess");
      const again = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token: null }));
      expectSuccess(again.registerWorkspace, "RegisterWorkspaceSuccess");
      const expected = (await feed.readAfter(from, { workspaceId: id }, 100)).events;
      expect(expected.length).toBeGreaterThanOrEqual(3);
      await eventually(() => got.every((g, i) => i === 600 || g.length >= expected.length), "every listener's events");
      await eventually(() => late.length >= expected.length - 1, "the late listener's events");
      await new Promise((r) => setTimeout(r, 50));

      const first = got[0] as WorkspaceEvent[];
      expect(seqs(first)).toEqual(seqs(expected));
      for (let i = 1; i < first.length; i++) {
        expect(
          compareEventPositions(positionOf(first[i - 1] as WorkspaceEvent), positionOf(first[i] as WorkspaceEvent)),
        ).toBe(-1);
      }
      for (const [i, events] of got.entries()) {
        if (i === 600) continue;
        // The same events, the same objects, in the same order: none twice, none missed.
        expect(seqs(events), `listener ${i}`).toEqual(seqs(first));
      }
      expect(first.map((e) => e.type)).toContain("WORKSPACE_ONLINE");
      // The listener that left before its slice of the first event was reached got nothing.
      expect(got[600]).toEqual([]);
      // The one that arrived meanwhile starts after that event: the rest, in order.
      expect(seqs(late)).toEqual(seqs(first).slice(1));
      // The last listener was reached after a turn of the event loop: others' I/O ran between slices.
      expect(lastSawATurn).toBe(true);
    } finally {
      for (const stop of stops) stop();
      lateStop?.();
    }
    expect(feed.listenerCount(id)).toBe(0);
  });
});
