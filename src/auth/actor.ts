/**
 * Who caused a change (SPEC section 10): an API token, a canvas user (its
 * JWT subject), a workspace's agent, or the control plane itself. Stored as
 * JSON beside what it caused.
 */
export type Actor =
  | { kind: "API_TOKEN"; id: string; label: string }
  | { kind: "USER"; id: string; label: null }
  | { kind: "AGENT"; id: string; label: null }
  | { kind: "SYSTEM"; id: null; label: string };

export const apiTokenActor = (id: string, label: string): Actor => ({ kind: "API_TOKEN", id, label });
export const userActor = (sub: string): Actor => ({ kind: "USER", id: sub, label: null });
export const agentActor = (workspaceId: string): Actor => ({ kind: "AGENT", id: workspaceId, label: null });
export const systemActor = (component: string): Actor => ({ kind: "SYSTEM", id: null, label: component });

/** The control plane acting on its own: periodic sweeps, start-up, provisioning machinery. */
export const SYSTEM = {
  sweeps: systemActor("sweeps"),
  startup: systemActor("startup"),
  provisionChecks: systemActor("provision checks"),
  provisioner: systemActor("provisioner"),
} as const;

const KINDS = new Set(["API_TOKEN", "USER", "AGENT", "SYSTEM"]);

/** A stored actor, or null for rows written before actors were recorded (or not readable as one). */
export function readActor(json: unknown): Actor | null {
  if (typeof json !== "object" || json === null) return null;
  const { kind, id, label } = json as Record<string, unknown>;
  if (typeof kind !== "string" || !KINDS.has(kind)) return null;
  if (id !== null && typeof id !== "string") return null;
  if (label !== null && typeof label !== "string") return null;
  return { kind, id, label } as Actor;
}

/** The JSON stored for an actor (a plain object: Prisma's Json input and the raw SQL both take it). */
export const actorJson = (actor: Actor) => ({ kind: actor.kind, id: actor.id, label: actor.label });
