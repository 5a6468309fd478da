import type { Workspace, WorkspaceStatus } from "../generated/prisma/client.js";
import { isWorkspaceId, MAX_NAME } from "./validate.js";

export type WorkspaceOrderField = "NAME" | "CREATED_AT" | "STATUS" | "LAST_HEARTBEAT_AT";
export type WorkspaceOrder = { field: WorkspaceOrderField; direction: "ASC" | "DESC" };

/** The row values a cursor carries: those its order sorts by, and the id. */
export type CursorRow = Pick<Workspace, "id" | "name" | "createdAt" | "status" | "lastHeartbeatAt">;
export type WorkspaceCursor = { order: WorkspaceOrder; row: CursorRow };

const FIELDS: readonly WorkspaceOrderField[] = ["NAME", "CREATED_AT", "STATUS", "LAST_HEARTBEAT_AT"];
const STATUSES: readonly string[] = ["PROVISIONING", "ONLINE", "OFFLINE", "FAILED", "REMOVED"];
const PREFIX = "w1:";
const MAX_CURSOR = 2048;

/**
 * A cursor names its order and the row's own sort values (not only its id):
 * it stays valid when that row changes or is removed, and resumes just past
 * where the row stood when the page was read.
 */
export function encodeWorkspaceCursor(order: WorkspaceOrder, row: CursorRow): string {
  const values =
    order.field === "NAME"
      ? [row.name]
      : order.field === "CREATED_AT"
        ? [row.createdAt.toISOString()]
        : order.field === "STATUS"
          ? [row.status, row.createdAt.toISOString()]
          : [row.lastHeartbeatAt?.toISOString() ?? null];
  return Buffer.from(PREFIX + JSON.stringify([order.field, order.direction, row.id, ...values])).toString("base64url");
}

/** Only what this service wrote, exactly: anything else reads as null. */
function instant(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const d = new Date(value);
  // Year 0000 or an invalid day would reach SQL and fail there.
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 || d.toISOString() !== value) return null;
  return d;
}

export function decodeWorkspaceCursor(cursor: string): WorkspaceCursor | null {
  if (cursor.length > MAX_CURSOR) return null;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const legacy = decodeLegacy(text);
  if (legacy) return legacy;
  if (!text.startsWith(PREFIX)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(PREFIX.length));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const [field, direction, id, ...values] = parsed as unknown[];
  if (!FIELDS.includes(field as WorkspaceOrderField) || (direction !== "ASC" && direction !== "DESC")) return null;
  if (typeof id !== "string" || !isWorkspaceId(id)) return null;
  const order = { field: field as WorkspaceOrderField, direction } as const;
  // The values the order does not sort by are never read; these fill the type.
  const row: CursorRow = { id, name: "", createdAt: new Date(0), status: "PROVISIONING", lastHeartbeatAt: null };
  switch (order.field) {
    case "NAME": {
      const [name] = values;
      if (values.length !== 1 || typeof name !== "string" || name.length > MAX_NAME || name.includes("\u0000"))
        return null;
      return { order, row: { ...row, name } };
    }
    case "CREATED_AT": {
      const createdAt = instant(values[0]);
      return values.length === 1 && createdAt ? { order, row: { ...row, createdAt } } : null;
    }
    case "STATUS": {
      const [status, at] = values;
      const createdAt = instant(at);
      if (values.length !== 2 || !STATUSES.includes(status as string) || !createdAt) return null;
      return { order, row: { ...row, status: status as WorkspaceStatus, createdAt } };
    }
    case "LAST_HEARTBEAT_AT": {
      const [at] = values;
      const lastHeartbeatAt = at === null ? null : instant(at);
      if (values.length !== 1 || (at !== null && !lastHeartbeatAt)) return null;
      return { order, row: { ...row, lastHeartbeatAt } };
    }
  }
}

/** Cursors issued before orders existed (creation order, oldest first) stay valid. */
function decodeLegacy(text: string): WorkspaceCursor | null {
  const m = /^ws:(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(.{36})$/.exec(text);
  if (!m || !isWorkspaceId(m[2] as string)) return null;
  const createdAt = instant(m[1]);
  if (!createdAt) return null;
  return {
    order: { field: "CREATED_AT", direction: "ASC" },
    row: { id: m[2] as string, name: "", createdAt, status: "PROVISIONING", lastHeartbeatAt: null },
  };
}
