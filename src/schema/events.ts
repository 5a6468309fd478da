import { readActor } from "../auth/actor.js";
import { fail } from "../domain.js";
import { decodeEventCursor, encodeEventCursor, isPastNewestEvent } from "../events/cursor.js";
import { subscribeToEvents } from "../events/subscribe.js";
import type { WorkspaceEvent as EventRow } from "../generated/prisma/client.js";
import type { Page } from "../pagination.js";
import { findWorkspace, listEvents } from "../workspaces/read.js";
import { isWorkspaceId } from "../workspaces/validate.js";
import { Actor } from "./actors.js";
import { builder } from "./builder.js";
import type { Context } from "./context.js";
import { PageInfo, WorkspaceEventType, WorkspaceStatus } from "./enums.js";
import { orThrow } from "./errors.js";
import { Workspace } from "./workspaces.js";

const WorkspaceEvent = builder.objectRef<EventRow>("WorkspaceEvent").implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (e) => encodeEventCursor(e.seq) }),
    type: t.expose("type", { type: WorkspaceEventType }),
    workspaceId: t.exposeID("workspaceId"),
    workspace: t.field({
      type: Workspace,
      nullable: true,
      resolve: (e, _, ctx) => findWorkspace(ctx.domain, e.workspaceId),
    }),
    status: t.expose("status", { type: WorkspaceStatus }),
    code: t.exposeString("code", { nullable: true }),
    message: t.exposeString("message", { nullable: true }),
    payload: t.expose("payload", { type: "JSON", nullable: true }),
    actor: t.field({
      type: Actor,
      nullable: true,
      description: "Who caused it; null for events recorded before actors were.",
      resolve: (e) => readActor(e.actor),
    }),
    at: t.expose("at", { type: "DateTime" }),
  }),
});

const WorkspaceEventEdge = builder.objectRef<{ cursor: string; node: EventRow }>("WorkspaceEventEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.field({ type: WorkspaceEvent, resolve: (e) => e.node }),
  }),
});

const WorkspaceEventConnection = builder.objectRef<Page<EventRow>>("WorkspaceEventConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [WorkspaceEventEdge], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
  }),
});

builder.queryFields((t) => ({
  workspaceEvents: t.field({
    authScopes: { viewer: true },
    type: WorkspaceEventConnection,
    args: { workspaceId: t.arg.id(), first: t.arg.int(), after: t.arg.string() },
    resolve: async (_, args, ctx) => orThrow(await listEvents(ctx.domain, args)),
  }),
}));

/** Subscription arguments, checked before the stream opens. */
async function streamFilter(ctx: Context, args: { workspaceId?: string | null; after?: string | null }) {
  if (typeof args.workspaceId === "string" && !isWorkspaceId(args.workspaceId)) {
    orThrow(fail("VALIDATION_FAILED", "workspaceId is not a workspace id.", "workspaceId"));
  }
  const afterSeq = args.after ? decodeEventCursor(args.after) : null;
  if (args.after && afterSeq === null)
    orThrow(fail("VALIDATION_FAILED", "after is not a cursor this service issued.", "after"));
  if (afterSeq !== null && (await isPastNewestEvent(ctx.domain.prisma, afterSeq, ctx.feed.position)))
    orThrow(fail("VALIDATION_FAILED", "after lies past the newest recorded event.", "after"));
  return { workspaceId: args.workspaceId ?? null, afterSeq };
}

builder.subscriptionFields((t) => ({
  workspaceEvents: t.field({
    authScopes: { viewer: true },
    type: WorkspaceEvent,
    args: { workspaceId: t.arg.id(), after: t.arg.string() },
    subscribe: async (_, args, ctx) => subscribeToEvents(ctx.domain.prisma, ctx.feed, await streamFilter(ctx, args)),
    resolve: (event) => event,
  }),
  provisionFailures: t.field({
    authScopes: { viewer: true },
    type: WorkspaceEvent,
    args: { workspaceId: t.arg.id(), after: t.arg.string() },
    subscribe: async (_, args, ctx) =>
      subscribeToEvents(ctx.domain.prisma, ctx.feed, {
        ...(await streamFilter(ctx, args)),
        type: "WORKSPACE_PROVISION_FAILED",
      }),
    resolve: (event) => event,
  }),
}));
