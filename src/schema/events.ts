import type { ArgBuilder } from "@pothos/core";
import { readActor } from "../auth/actor.js";
import { fail } from "../errors.js";
import { decodeEventCursor, encodeEventCursor, positionOf } from "../events/cursor.js";
import { subscribeToEvents } from "../events/subscribe.js";
import { isPastNewestEvent } from "../events/visibility.js";
import type { WorkspaceEvent as EventRow } from "../generated/prisma/client.js";
import { type EventList, findWorkspace, listEvents } from "../workspaces/read.js";
import { isWorkspaceId } from "../workspaces/validate.js";
import { Actor } from "./actors.js";
import { builder, type Types } from "./builder.js";
import type { Context } from "./context.js";
import { WorkspaceEventType, WorkspaceStatus } from "./enums.js";
import { orThrow, requestError } from "./errors.js";
import { PageInfo } from "./pagination.js";
import { Workspace } from "./workspaces.js";

const WorkspaceEvent = builder.objectRef<EventRow>("WorkspaceEvent").implement({
  description: "A recorded change of a workspace: every status change, and the few other kinds of WorkspaceEventType.",
  fields: (t) => ({
    cursor: t.string({
      // The contract's words. Precisely (src/events/visibility.ts): one order every reader sees alike,
      // a workspace's own events in the order they committed, none delivered behind a cursor already passed.
      description: "Opaque. Events are delivered and paged in the order they were committed.",
      resolve: (e) => encodeEventCursor(positionOf(e)),
    }),
    type: t.expose("type", { type: WorkspaceEventType, description: "What happened." }),
    workspaceId: t.exposeID("workspaceId", { description: "The workspace it happened to." }),
    workspace: t.field({
      type: Workspace,
      nullable: true,
      description: "The workspace as it is now; null once it can no longer be read.",
      resolve: (e, _, ctx) => findWorkspace(ctx.domain, e.workspaceId),
    }),
    status: t.expose("status", { type: WorkspaceStatus, description: "The status the event put the workspace in." }),
    code: t.exposeString("code", {
      nullable: true,
      description:
        "Machine-readable reason, on failures (PLATFORM_AGENT_IDENTITY_GATE, MISSING_BYOK_CREDENTIAL, UNREGISTERED_MODEL_FOR_RUNTIME, SECRET_UNREADABLE, PROVISION_TIMEOUT).",
    }),
    message: t.exposeString("message", { nullable: true, description: "What happened, for people." }),
    payload: t.expose("payload", { type: "JSON", nullable: true, description: "Event-specific details." }),
    actor: t.field({
      type: Actor,
      nullable: true,
      description: "Who caused it; null for events recorded before actors were.",
      resolve: (e) => readActor(e.actor),
    }),
    at: t.expose("at", { type: "DateTime", description: "When it was recorded." }),
  }),
});

const WorkspaceEventEdge = builder.objectRef<{ cursor: string; node: EventRow }>("WorkspaceEventEdge").implement({
  description: "An event in a list.",
  fields: (t) => ({
    cursor: t.exposeString("cursor", { description: "The event's cursor (as `WorkspaceEvent.cursor`)." }),
    node: t.field({ type: WorkspaceEvent, description: "The event.", resolve: (e) => e.node }),
  }),
});

const WorkspaceEventConnection = builder.objectRef<EventList>("WorkspaceEventConnection").implement({
  description: "A page of recorded events, oldest first within the page whichever way it was paged.",
  fields: (t) => ({
    edges: t.field({
      type: [WorkspaceEventEdge],
      description: "The events, in the record's order (as `WorkspaceEvent.cursor` says).",
      resolve: (c) => c.edges,
    }),
    pageInfo: t.field({ type: PageInfo, description: "Where this page lies.", resolve: (c) => c.pageInfo }),
    headCursor: t.exposeString("headCursor", {
      description:
        "The newest settled event (of any workspace) when this page was read, read in the same database snapshot as the page: subscribe with `after` set to it to continue with no gap and no duplicate.",
    }),
  }),
});

/** The paging arguments of an event list: forwards from the oldest, or backwards from the newest. */
const eventPageArgs = (arg: ArgBuilder<Types>) => ({
  first: arg.int({
    description: "The oldest events (after `after`): 20 when neither first nor last is given; at most 100.",
  }),
  after: arg.string({ description: "An event cursor: only events recorded after it." }),
  last: arg.int({
    description: "The newest events (before `before`), still oldest first; at most 100. Not with `first`.",
  }),
  before: arg.string({ description: "An event cursor: only events recorded before it." }),
});

builder.queryFields((t) => ({
  workspaceEvents: t.field({
    authScopes: { viewer: true },
    type: WorkspaceEventConnection,
    description: "Recorded events, oldest first; of one workspace, or of all.",
    args: {
      workspaceId: t.arg.id({ description: "Only this workspace's events; omitted: every workspace's." }),
      ...eventPageArgs(t.arg),
    },
    resolve: async (_, args, ctx) => orThrow(await listEvents(ctx.domain, args)),
  }),
}));

builder.prismaObjectField("Workspace", "events", (t) =>
  t.field({
    type: WorkspaceEventConnection,
    description: "This workspace's recorded events, as `workspaceEvents(workspaceId:)` pages them.",
    args: eventPageArgs(t.arg),
    resolve: async (w, args, ctx) => orThrow(await listEvents(ctx.domain, { ...args, workspaceId: w.id })),
  }),
);

/** Subscription arguments, checked before the stream opens. */
async function streamFilter(ctx: Context, args: { workspaceId?: string | null; after?: string | null }) {
  if (typeof args.workspaceId === "string" && !isWorkspaceId(args.workspaceId)) {
    throw requestError(fail("VALIDATION_FAILED", "workspaceId is not a workspace id.", "workspaceId"));
  }
  const after = args.after ? decodeEventCursor(args.after) : null;
  if (args.after && after === null)
    throw requestError(fail("VALIDATION_FAILED", "after is not a cursor this service issued.", "after"));
  if (after !== null && (await isPastNewestEvent(ctx.domain.prisma, after, ctx.feed.position)))
    throw requestError(fail("VALIDATION_FAILED", "after lies past the newest recorded event.", "after"));
  return { workspaceId: args.workspaceId ?? null, after };
}

const streamArgs = (arg: ArgBuilder<Types>) => ({
  workspaceId: arg.id({ description: "Only this workspace's events; omitted: every workspace's." }),
  after: arg.string({
    description: "An event cursor (an event's, or a connection's headCursor): the events recorded after it come first.",
  }),
});

builder.subscriptionFields((t) => ({
  workspaceEvents: t.field({
    authScopes: { viewer: true },
    type: WorkspaceEvent,
    description:
      "Lifecycle events of one workspace, or of all. With `after`, the events recorded after that cursor come first, then live ones: no gap, no duplicate.",
    args: streamArgs(t.arg),
    subscribe: async (_, args, ctx) => subscribeToEvents(ctx.feed, await streamFilter(ctx, args)),
    resolve: (event) => event,
  }),
  provisionFailures: t.field({
    authScopes: { viewer: true },
    type: WorkspaceEvent,
    description: "Only WORKSPACE_PROVISION_FAILED events; same replay rule.",
    args: streamArgs(t.arg),
    subscribe: async (_, args, ctx) =>
      subscribeToEvents(ctx.feed, {
        ...(await streamFilter(ctx, args)),
        type: "WORKSPACE_PROVISION_FAILED",
      }),
    resolve: (event) => event,
  }),
}));
