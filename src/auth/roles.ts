/** The roles of people and programs (SPEC section 10), lowest first. */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a root field needs, declared where the field is declared:
 * `public` (anyone: `__typename`), `agent` (an agent's call, which checks its
 * own token: SPEC section 2), or a role.
 */
export type Access = "public" | "agent" | Role;

export const roleRank = (role: Role) => ROLES.indexOf(role);

export const atLeast = (role: Role | null, needed: Role) => role !== null && roleRank(role) >= roleRank(needed);

export const isRole = (v: unknown): v is Role => typeof v === "string" && (ROLES as readonly string[]).includes(v);

/** The highest of these roles, or null if none is one. */
export function highestRole(values: readonly unknown[]): Role | null {
  let best: Role | null = null;
  for (const v of values) {
    const role = typeof v === "string" ? v.toLowerCase() : v;
    if (isRole(role) && (best === null || roleRank(role) > roleRank(best))) best = role;
  }
  return best;
}
