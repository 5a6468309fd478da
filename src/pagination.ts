import { failed, ok, type RequestFailure, type Result } from "./errors.js";

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

/** `first` defaults to 20; negative or over 100 is refused, never silently cut. */
export function pageSize(first: number | null | undefined): Result<number, RequestFailure> {
  if (first === null || first === undefined) return ok(DEFAULT_PAGE);
  if (first < 0 || first > MAX_PAGE) {
    return failed("VALIDATION_FAILED", `first must be between 0 and ${MAX_PAGE}.`, "first");
  }
  return ok(first);
}

export type Page<T> = {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};

/** Builds a forward page from `take + 1` rows. */
export function toPage<T>(rows: T[], take: number, cursorOf: (row: T) => string, hasPrevious: boolean): Page<T> {
  const nodes = rows.slice(0, take);
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > take,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
