import type { Domain } from "../domain.js";
import type { Logger } from "../log.js";
import { BackendUnavailableError, type ObservedRuntime, type RuntimeBackend } from "./backend.js";
import {
  DESIRED,
  isDesired,
  planStart,
  recordAdopted,
  recordExit,
  recordStartAbandoned,
  recordStarted,
  recordStopped,
  recordUnavailable,
} from "./records.js";
import { commandFor, entryFor, type ProvisionerConfig } from "./settings.js";

export type ReconcilerOptions = {
  domain: Domain;
  backend: RuntimeBackend;
  /** This instance's lease holder id (stable across its restarts). */
  holder: string;
  provisionerConfig: ProvisionerConfig;
  intervalMs: number;
  maxRestarts: number;
  log: Logger;
  /** How long a lease lasts without renewal; renewed on every pass. */
  leaseMs?: number;
  /** Grace between SIGTERM (or the engine's stop) and the kill. */
  stopGraceMs?: number;
  /** At most this many workspaces are acted on at once. */
  concurrency?: number;
};

/** 1 s, 2 s, 4 s ... capped at 30 s. */
export const restartBackoffMs = (exits: number) => Math.min(30_000, 1_000 * 2 ** Math.max(0, exits - 1));

/**
 * Makes the actual runtimes match the desired state in the database (SPEC
 * section 9). Triggers: a committed change in this process (`changed`), an
 * exit the backend reports, and a periodic pass over everything (which is
 * also how changes made on other instances arrive).
 *
 * Every decision starts from what the backend lists, never from memory, so
 * a control plane killed at any point converges on its next pass: a runtime
 * of the current generation is adopted rather than started twice, older
 * generations and runtimes of REMOVED, FAILED or unknown workspaces are
 * stopped, and what is missing is started.
 *
 * One instance acts for a workspace: the one holding its lease (columns on
 * the workspace row, claimed with one conditional UPDATE and renewed on
 * every pass). Within an instance, actions on one workspace run one at a
 * time.
 */
export class Reconciler {
  private readonly leaseMs: number;
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly outage = new Set<string>();
  private inOutage = false;
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private pass: Promise<void> | null = null;
  private stopped = false;
  private adopted = false;
  /** A counter, and when each workspace's last job began or ended: a pass's listing is used only if it is newer. */
  private tick = 0;
  private readonly lastJob = new Map<string, number>();

  constructor(private readonly o: ReconcilerOptions) {
    this.leaseMs = o.leaseMs ?? Math.max(15_000, o.intervalMs * 5);
  }

  start() {
    this.unwatch = this.o.backend.watch((r) => this.changed(r.workspaceId));
    this.timer = setInterval(() => void this.runPass(), this.o.intervalMs);
    this.timer.unref();
    void this.runPass();
  }

  async stop() {
    this.stopped = true;
    clearInterval(this.timer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.unwatch?.();
    await this.pass;
    await Promise.allSettled([...this.running.values()]);
  }

  /** A workspace's desired state changed (committed), or its runtime exited: act on it soon. */
  changed(workspaceId: string, listing?: { at: number; runtimes: ObservedRuntime[] }) {
    if (this.stopped) return;
    if (this.running.has(workspaceId)) {
      this.again.add(workspaceId);
      return;
    }
    const job = this.limit(() => {
      // A pass's listing saves a list per workspace, unless a job on this
      // workspace began or ended after it was taken (it may have started a
      // runtime the listing does not show).
      const fresh = listing && (this.lastJob.get(workspaceId) ?? -1) < listing.at;
      this.lastJob.set(workspaceId, ++this.tick);
      return this.reconcileWorkspace(
        workspaceId,
        fresh ? listing.runtimes.filter((r) => r.workspaceId === workspaceId) : undefined,
      );
    })
      .catch((err: Error) =>
        this.o.log.warn({ msg: "reconcile failed; the next pass retries", workspaceId, err: err.message }),
      )
      .finally(() => {
        this.lastJob.set(workspaceId, ++this.tick);
        this.running.delete(workspaceId);
        if (this.again.delete(workspaceId)) this.changed(workspaceId);
      });
    this.running.set(workspaceId, job);
  }

  /** Resolves once nothing is queued or running (tests, benchmarks). */
  async settled() {
    while (this.running.size > 0 || this.pass) {
      await Promise.allSettled([...this.running.values(), this.pass]);
    }
  }

  private runPass(): Promise<void> {
    if (this.pass || this.stopped) return this.pass ?? Promise.resolve();
    this.pass = this.reconcileAll()
      .catch((err: Error) => this.o.log.warn({ msg: "reconcile pass failed; the next one retries", err: err.message }))
      .finally(() => {
        this.pass = null;
      });
    return this.pass;
  }

  /** The periodic pass: every workspace this instance may act for, and every runtime it can see. */
  private async reconcileAll() {
    const { domain, holder } = this.o;
    let observed: ObservedRuntime[];
    const at = ++this.tick;
    try {
      observed = await this.o.backend.list();
    } catch (err) {
      if (err instanceof BackendUnavailableError) return this.unavailable(err);
      throw err;
    }
    this.recovered();
    await domain.prisma.$executeRaw`
      UPDATE "Workspace" SET "leaseUntil" = now() + ${this.leaseMs} * interval '1 millisecond'
      WHERE "leaseHolder" = ${holder} AND status::text IN ('PROVISIONING', 'ONLINE', 'OFFLINE')`;
    const rows = await domain.prisma.$queryRaw<{ id: string; generation: number; mine: boolean }[]>`
      SELECT id::text AS id, generation, coalesce("leaseHolder" = ${holder}, false) AS mine FROM "Workspace"
      WHERE status::text IN ('PROVISIONING', 'ONLINE', 'OFFLINE')
        AND ("leaseHolder" IS NULL OR "leaseHolder" = ${holder} OR "leaseUntil" < now())`;
    const byWorkspace = new Map<string, ObservedRuntime[]>();
    for (const r of observed) byWorkspace.set(r.workspaceId, [...(byWorkspace.get(r.workspaceId) ?? []), r]);
    // In the steady state (our lease, just renewed, and exactly our runtime of
    // the current generation running) there is nothing to do: no job, no
    // query. Except on the first pass, which adopts what a previous life of
    // this instance left running (and records starts it never recorded).
    const first = !this.adopted;
    this.adopted = true;
    const settled = new Set(
      first
        ? []
        : rows
            .filter((w) => {
              const runtimes = byWorkspace.get(w.id) ?? [];
              const only = runtimes[0];
              return w.mine && runtimes.length === 1 && only?.state === "running" && only.generation === w.generation;
            })
            .map((w) => w.id),
    );
    const ids = new Set([...rows.map((r) => r.id), ...observed.map((r) => r.workspaceId)]);
    for (const id of ids) if (!settled.has(id)) this.changed(id, { at, runtimes: observed });
  }

  private async reconcileWorkspace(workspaceId: string, listed?: ObservedRuntime[]) {
    const { domain, backend } = this.o;
    let observed: ObservedRuntime[];
    try {
      observed = listed ?? (await backend.list()).filter((r) => r.workspaceId === workspaceId);
    } catch (err) {
      if (err instanceof BackendUnavailableError) return this.unavailable(err, workspaceId);
      throw err;
    }
    const ws = await domain.prisma.workspace.findUnique({
      where: { id: workspaceId },
      select: { status: true, generation: true, nextStartAt: true },
    });
    const desired = ws !== null && isDesired(ws.status);
    let current: ObservedRuntime | null = null;

    for (const r of observed) {
      if (r.state === "exited") {
        const outcome = await recordExit(domain, r, { maxRestarts: this.o.maxRestarts, backoffMs: restartBackoffMs });
        await backend.stop(r.ref, { graceMs: 0 });
        if (outcome.recorded) {
          this.o.log.info({ msg: "runtime exited", workspaceId, generation: r.generation, exit: r.exit ?? null });
        }
        if (outcome.nextStartAt) this.wakeAt(workspaceId, outcome.nextStartAt);
        if (outcome.recorded) return this.changedLater(workspaceId);
        continue;
      }
      const wanted = desired && ws !== null && r.generation === ws.generation && current === null;
      if (wanted && (await this.claimLease(workspaceId))) {
        current = r;
        await recordAdopted(domain, r);
        continue;
      }
      // An older generation, a workspace no longer running (REMOVED, FAILED,
      // unknown), a duplicate, or one another instance now acts for.
      await backend.stop(r.ref, { graceMs: this.o.stopGraceMs ?? 5_000 });
      await recordStopped(domain, r);
      this.o.log.info({ msg: "runtime stopped", workspaceId, generation: r.generation, desired });
    }
    if (!desired || current || ws === null) return;
    if (ws.nextStartAt && ws.nextStartAt.getTime() > Date.now()) return this.wakeAt(workspaceId, ws.nextStartAt);
    if (!(await this.claimLease(workspaceId))) return;
    await this.startRuntime(workspaceId, ws.generation);
  }

  private async startRuntime(workspaceId: string, generation: number) {
    const { domain, backend } = this.o;
    const plan = await planStart(domain, backend.name, workspaceId, generation);
    if (!plan) return;
    const entry = entryFor(this.o.provisionerConfig, plan.runtime);
    let runtime: ObservedRuntime;
    try {
      runtime = await backend.start({
        workspaceId,
        generation,
        runtime: plan.runtime,
        command: backend.name === "process" ? commandFor(entry, { workspaceId, generation }) : entry.command,
        image: entry.image,
        env: plan.env,
        memoryMb: entry.memoryMb,
        cpus: entry.cpus,
        network: entry.network,
      });
    } catch (err) {
      await recordStartAbandoned(domain, plan.startId, workspaceId);
      if (err instanceof BackendUnavailableError) return this.unavailable(err, workspaceId);
      throw err;
    }
    await recordStarted(domain, plan.startId, workspaceId, runtime);
    this.o.log.info({ msg: "runtime started", workspaceId, generation, ref: runtime.ref });
    if (runtime.state === "exited") this.changedLater(workspaceId);
  }

  /** The lease on this workspace: taken if free or expired, renewed if ours. */
  private async claimLease(workspaceId: string): Promise<boolean> {
    const { holder } = this.o;
    const n = await this.o.domain.prisma.$executeRaw`
      UPDATE "Workspace" SET "leaseHolder" = ${holder}, "leaseUntil" = now() + ${this.leaseMs} * interval '1 millisecond'
      WHERE id = ${workspaceId}::uuid
        AND ("leaseHolder" IS NULL OR "leaseHolder" = ${holder} OR "leaseUntil" < now())`;
    return n === 1;
  }

  /** Records WORKSPACE_PROVISIONER_UNAVAILABLE once per outage for each workspace that waits. */
  private async unavailable(err: BackendUnavailableError, workspaceId?: string) {
    if (!this.inOutage)
      this.o.log.warn({ msg: "provisioner unavailable; retrying", backend: this.o.backend.name, err: err.message });
    this.inOutage = true;
    const ids = workspaceId
      ? [workspaceId]
      : (
          await this.o.domain.prisma.workspace.findMany({
            where: { status: { in: [...DESIRED] }, OR: [{ leaseHolder: null }, { leaseHolder: this.o.holder }] },
            select: { id: true },
          })
        ).map((w) => w.id);
    for (const id of ids) {
      if (this.outage.has(id)) continue;
      this.outage.add(id);
      await recordUnavailable(
        this.o.domain,
        id,
        `The ${this.o.backend.name} provisioner cannot reach its engine: ${err.message}`,
      );
    }
  }

  private recovered() {
    if (this.inOutage) this.o.log.info({ msg: "provisioner available again", backend: this.o.backend.name });
    this.inOutage = false;
    this.outage.clear();
  }

  private wakeAt(workspaceId: string, at: Date) {
    clearTimeout(this.timers.get(workspaceId));
    const t = setTimeout(
      () => {
        this.timers.delete(workspaceId);
        this.changed(workspaceId);
      },
      Math.max(0, at.getTime() - Date.now()) + 10,
    );
    t.unref();
    this.timers.set(workspaceId, t);
  }

  private changedLater(workspaceId: string) {
    this.again.add(workspaceId);
  }

  /** A small semaphore: a burst of creates does not open a burst of transactions. */
  private async limit<T>(fn: () => Promise<T>): Promise<T> {
    const max = this.o.concurrency ?? 8;
    if (this.active >= max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
