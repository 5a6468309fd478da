import { randomUUID } from "node:crypto";
import { SYSTEM } from "../auth/actor.js";
import type { Domain } from "../domain.js";
import { type EventHint, recordEvent } from "../events/record.js";
import type { Prisma, WorkspaceStatus } from "../generated/prisma/client.js";
import { failInTransaction, lockWorkspace } from "../workspaces/provision.js";
import type { ObservedRuntime, RuntimeExit } from "./backend.js";
import { readRuntimeEnvironment } from "./environment.js";
import { mintJoinToken, revokeJoinTokens } from "./join-tokens.js";

// The database side of the reconciler: every write it makes, each in one
// transaction under the workspace's row lock, so a crash leaves either all
// of a step or none of it.

type Tx = Prisma.TransactionClient;

/** The statuses in which a workspace's runtime should run. */
export const DESIRED = ["PROVISIONING", "ONLINE", "OFFLINE"] as const;
export const isDesired = (status: string | null | undefined) =>
  (DESIRED as readonly string[]).includes(status as string);

/** The window in which exits count towards RUNTIME_CRASH_LOOP. */
export const CRASH_WINDOW_MS = 10 * 60_000;

const publish = (domain: Domain, hints: (EventHint | null)[]) => {
  for (const h of hints) if (h) domain.events.publish(h);
};

export type PlannedStart = {
  startId: string;
  generation: number;
  runtime: string;
  /** The whole SPEC 9 environment, join token included. Never logged. */
  env: Record<string, string>;
};

/**
 * The intended start, committed before the backend is asked: the join token
 * (unused ones of earlier starts revoked), the start record and the digest of
 * the configuration handed over. Null when the workspace is no longer wanted
 * at this generation, or (recorded as FAILED, SECRET_UNREADABLE) when a value
 * it needs cannot be decrypted: a runtime never starts without one.
 */
export async function planStart(
  domain: Domain,
  backend: string,
  workspaceId: string,
  generation: number,
): Promise<PlannedStart | null> {
  const out = await domain.prisma.$transaction(async (tx) => {
    if (!isDesired(await lockWorkspace(tx, workspaceId))) return null;
    const ws = await tx.workspace.findUniqueOrThrow({
      where: { id: workspaceId },
      select: { generation: true, runtime: true },
    });
    if (ws.generation !== generation) return null;
    const env = await readRuntimeEnvironment(tx, domain.provisioning.environment, workspaceId);
    if (!env) return null;
    const unreadable = env.entries.filter((e) => "error" in e).map((e) => e.key);
    if (unreadable.length > 0) {
      const message = `The secret ${unreadable.join(", ")} could not be read or decrypted; fix or replace it, then restart the workspace.`;
      const hint = await failInTransaction(tx, workspaceId, "SECRET_UNREADABLE", message, DESIRED, SYSTEM.provisioner);
      return { hint };
    }
    await closeOpenStarts(tx, workspaceId);
    await revokeJoinTokens(tx, workspaceId);
    const joinToken = await mintJoinToken(tx, workspaceId, generation, domain.config.provisionTimeoutSeconds);
    const startId = randomUUID();
    await tx.runtimeStart.create({ data: { id: startId, workspaceId, generation, backend } });
    await tx.workspace.update({ where: { id: workspaceId }, data: { configDigest: env.digest }, select: { id: true } });
    const vars: Record<string, string> = {};
    for (const e of env.entries) if ("value" in e) vars[e.key] = e.value;
    vars.WORKSPACE_JOIN_TOKEN = joinToken;
    return { plan: { startId, generation, runtime: ws.runtime, env: vars } };
  });
  if (!out) return null;
  if ("hint" in out) {
    publish(domain, [out.hint ?? null]);
    return null;
  }
  return out.plan;
}

/** Starts that never reached a runtime (a crash between the commit and the backend): closed, not counted as exits. */
function closeOpenStarts(tx: Tx, workspaceId: string) {
  return tx.runtimeStart.updateMany({
    where: { workspaceId, exitedAt: null },
    data: { exitedAt: new Date(), stopped: true },
  });
}

/**
 * The backend answered: its handle, and the event, once per start. The
 * start's own answer and an adoption of the same runtime (a listing that saw
 * it before the answer was recorded) may both come here; the one that finds
 * the handle already set records nothing.
 */
export async function recordStarted(domain: Domain, startId: string, workspaceId: string, runtime: ObservedRuntime) {
  const hint = await domain.prisma.$transaction(async (tx) => {
    const status = await lockWorkspace(tx, workspaceId);
    const { count } = await tx.runtimeStart.updateMany({
      where: { id: startId, exitedAt: null, ref: null },
      data: { ref: runtime.ref },
    });
    if (count === 0 || !status) return null;
    return recordEvent(tx, {
      workspaceId,
      actor: SYSTEM.provisioner,
      type: "WORKSPACE_RUNTIME_STARTED",
      status: status as WorkspaceStatus,
      payload: { generation: runtime.generation },
    });
  });
  publish(domain, [hint]);
}

/**
 * A runtime adopted at its current generation whose start was never
 * answered (the control plane died between the backend's start and this
 * record): its handle and WORKSPACE_RUNTIME_STARTED, once.
 */
export async function recordAdopted(domain: Domain, runtime: ObservedRuntime) {
  const open = await domain.prisma.runtimeStart.findFirst({
    where: { workspaceId: runtime.workspaceId, generation: runtime.generation, exitedAt: null, ref: null },
    select: { id: true },
  });
  if (open) await recordStarted(domain, open.id, runtime.workspaceId, runtime);
}

/** The backend could not start it: the start never happened, its join token goes. */
export async function recordStartAbandoned(domain: Domain, startId: string, workspaceId: string) {
  await domain.prisma.$transaction(async (tx) => {
    await tx.runtimeStart.updateMany({ where: { id: startId }, data: { exitedAt: new Date(), stopped: true } });
    await revokeJoinTokens(tx, workspaceId);
  });
}

export type ExitOutcome = { recorded: boolean; nextStartAt: Date | null; failed: boolean };

/**
 * A runtime exited on its own (SPEC 9): its start record is closed, its
 * tokens revoked, one WORKSPACE_RUNTIME_EXITED recorded (an ONLINE workspace
 * goes OFFLINE with it), and either a restart is scheduled with backoff or,
 * past maxRestarts exits of this generation within the window, the
 * workspace is FAILED with RUNTIME_CRASH_LOOP. Recorded once: a second
 * report of the same exit finds no open start.
 */
export async function recordExit(
  domain: Domain,
  runtime: ObservedRuntime,
  opts: { maxRestarts: number; backoffMs: (exits: number) => number },
): Promise<ExitOutcome> {
  const exit: RuntimeExit = runtime.exit ?? { code: null, signal: null };
  const out = await domain.prisma.$transaction(async (tx) => {
    const status = await lockWorkspace(tx, runtime.workspaceId);
    const open = await tx.runtimeStart.findFirst({
      where: { workspaceId: runtime.workspaceId, generation: runtime.generation, exitedAt: null },
      orderBy: { startedAt: "desc" },
      select: { id: true },
    });
    if (!open || !status) return null;
    const now = new Date();
    await tx.runtimeStart.update({
      where: { id: open.id },
      data: { exitedAt: now, exitCode: exit.code, exitSignal: exit.signal },
      select: { id: true },
    });
    await tx.instanceToken.updateMany({
      where: { workspaceId: runtime.workspaceId, revokedAt: null },
      data: { revokedAt: now },
    });
    await revokeJoinTokens(tx, runtime.workspaceId, runtime.generation);
    const ws = await tx.workspace.findUniqueOrThrow({
      where: { id: runtime.workspaceId },
      select: { generation: true },
    });
    let after = status as WorkspaceStatus;
    if (status === "ONLINE") {
      await tx.workspace.update({
        where: { id: runtime.workspaceId },
        data: { status: "OFFLINE" },
        select: { id: true },
      });
      after = "OFFLINE";
    }
    const exited = await recordEvent(tx, {
      workspaceId: runtime.workspaceId,
      actor: SYSTEM.provisioner,
      type: "WORKSPACE_RUNTIME_EXITED",
      status: after,
      message:
        exit.signal !== null
          ? `The runtime was ended by ${exit.signal}.`
          : exit.code !== null
            ? `The runtime exited with code ${exit.code}.`
            : "The runtime is gone (its exit status is unknown).",
      payload: { generation: runtime.generation, exitCode: exit.code, signal: exit.signal },
    });
    if (!isDesired(status) || ws.generation !== runtime.generation) {
      return { hints: [exited], nextStartAt: null, failed: false };
    }
    const exits = await tx.runtimeStart.count({
      where: {
        workspaceId: runtime.workspaceId,
        generation: runtime.generation,
        stopped: false,
        exitedAt: { gt: new Date(now.getTime() - CRASH_WINDOW_MS) },
      },
    });
    if (exits > opts.maxRestarts) {
      const failed = await failInTransaction(
        tx,
        runtime.workspaceId,
        "RUNTIME_CRASH_LOOP",
        `The runtime exited ${exits} times within 10 minutes (RUNTIME_MAX_RESTARTS is ${opts.maxRestarts}); fix it, then restartWorkspace.`,
        DESIRED,
        SYSTEM.provisioner,
      );
      return { hints: [exited, failed], nextStartAt: null, failed: true };
    }
    const nextStartAt = new Date(now.getTime() + opts.backoffMs(exits));
    await tx.workspace.update({ where: { id: runtime.workspaceId }, data: { nextStartAt }, select: { id: true } });
    return { hints: [exited], nextStartAt, failed: false };
  });
  if (!out) return { recorded: false, nextStartAt: null, failed: false };
  publish(domain, out.hints);
  return { recorded: true, nextStartAt: out.nextStartAt, failed: out.failed };
}

/**
 * The control plane stopped a runtime (restart, remove, FAILED, orphan): its
 * start is closed as stopped (no crash-loop count, no exit event) and its
 * unused join token revoked; its instance token too unless a newer
 * generation now runs (a restart revoked the old one already).
 */
export async function recordStopped(domain: Domain, runtime: ObservedRuntime) {
  await domain.prisma.$transaction(async (tx) => {
    const status = await lockWorkspace(tx, runtime.workspaceId);
    await tx.runtimeStart.updateMany({
      where: { workspaceId: runtime.workspaceId, generation: runtime.generation, exitedAt: null },
      data: { exitedAt: new Date(), stopped: true },
    });
    if (!status) return;
    await revokeJoinTokens(tx, runtime.workspaceId, runtime.generation);
    if (!isDesired(status)) {
      await tx.instanceToken.updateMany({
        where: { workspaceId: runtime.workspaceId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
    }
  });
}

/** WORKSPACE_PROVISIONER_UNAVAILABLE, once per outage per workspace. */
export async function recordUnavailable(domain: Domain, workspaceId: string, message: string) {
  const hint = await domain.prisma.$transaction(async (tx) => {
    const status = await lockWorkspace(tx, workspaceId);
    if (!isDesired(status)) return null;
    return recordEvent(tx, {
      workspaceId,
      actor: SYSTEM.provisioner,
      type: "WORKSPACE_PROVISIONER_UNAVAILABLE",
      status: status as WorkspaceStatus,
      message,
    });
  });
  publish(domain, [hint]);
}
