import { type Domain, fail, type RequestFailure } from "../domain.js";
import { decodeEventCursor, encodeEventCursor, isPastNewestEvent } from "../events/cursor.js";
import type { Workspace, WorkspaceEvent, WorkspaceStatus } from "../generated/prisma/client.js";
import { type Page, pageSize, toPage } from "../pagination.js";
import { isWorkspaceId } from "./validate.js";

/** Malformed and unknown ids read as null (SPEC section 8). */
export function findWorkspace(domain: Domain, id: string): Promise<Workspace | null> {
  if (!isWorkspaceId(id)) return Promise.resolve(null);
  return domain.prisma.workspace.findUnique({ where: { id } });
}

const encodeWorkspaceCursor = (w: { createdAt: Date; id: string }) =>
  Buffer.from(`ws:${w.createdAt.toISOString()}|${w.id}`).toString("base64url");

function decodeWorkspaceCursor(cursor: string): { createdAt: Date; id: string } | null {
  if (cursor.length > 128) return null;
  const m = /^ws:(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(.{36})$/.exec(
    Buffer.from(cursor, "base64url").toString("utf8"),
  );
  if (!m || !isWorkspaceId(m[2] as string)) return null;
  // Only what encodeWorkspaceCursor writes: year 0000 or an invalid day would reach SQL and fail there.
  const createdAt = new Date(m[1] as string);
  if (Number.isNaN(createdAt.getTime()) || createdAt.getUTCFullYear() < 1 || createdAt.toISOString() !== m[1])
    return null;
  return { createdAt, id: m[2] as string };
}

const badCursor = () => fail("VALIDATION_FAILED", "after is not a cursor this service issued.", "after");

/** Oldest first; REMOVED workspaces only when asked for by status. */
export async function listWorkspaces(
  domain: Domain,
  args: { first?: number | null; after?: string | null; status?: WorkspaceStatus | null },
): Promise<Page<Workspace> | RequestFailure> {
  const take = pageSize(args.first);
  if (typeof take !== "number") return take;
  const after = args.after ? decodeWorkspaceCursor(args.after) : null;
  if (args.after && !after) return badCursor();
  const rows = await domain.prisma.workspace.findMany({
    where: {
      status: args.status ?? { not: "REMOVED" },
      ...(after
        ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }
        : {}),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: take + 1,
  });
  return toPage(rows, take, encodeWorkspaceCursor, after !== null);
}

/** The record, oldest first (commit order), of one workspace or of all. */
export async function listEvents(
  domain: Domain,
  args: { workspaceId?: string | null; first?: number | null; after?: string | null },
): Promise<Page<WorkspaceEvent> | RequestFailure> {
  const take = pageSize(args.first);
  if (typeof take !== "number") return take;
  const after = args.after ? decodeEventCursor(args.after) : null;
  if (args.after && after === null) return badCursor();
  const workspaceId = args.workspaceId ?? null;
  // A malformed id (the empty string too) names no workspace: no events, never all of them.
  if (workspaceId !== null && !isWorkspaceId(workspaceId)) return toPage([], take, () => "", false);
  const rows = await domain.prisma.workspaceEvent.findMany({
    where: {
      ...(workspaceId !== null ? { workspaceId } : {}),
      ...(after !== null ? { seq: { gt: after } } : {}),
    },
    orderBy: { seq: "asc" },
    take: take + 1,
  });
  // Only an empty page can follow a cursor past the newest event: the others pay no extra read.
  if (rows.length === 0 && after !== null && (await isPastNewestEvent(domain.prisma, after))) {
    return fail("VALIDATION_FAILED", "after lies past the newest recorded event.", "after");
  }
  return toPage(rows, take, (e) => encodeEventCursor(e.seq), after !== null);
}
