import { err, fail, failed, ok, type RequestFailure, type Result } from "../errors.js";
import { hasControlCharacters } from "./validate.js";

export type RuntimeHealth = "HEALTHY" | "DEGRADED";

/** What a heartbeat may carry: the runtime's own view of itself. */
export type RuntimeStateInput = {
  activeTasks?: number | null;
  currentTask?: string | null;
  errorRate?: number | null;
  health?: RuntimeHealth | null;
  degradedReason?: string | null;
  version?: string | null;
};

/** As stored (JSON) and shown: the last report, whole, with when it arrived. */
export type RuntimeState = {
  activeTasks: number | null;
  currentTask: string | null;
  errorRate: number | null;
  health: RuntimeHealth;
  degradedReason: string | null;
  version: string | null;
  reportedAt: string;
};

export const MAX_ACTIVE_TASKS = 100_000;
export const MAX_CURRENT_TASK = 256;
export const MAX_DEGRADED_REASON = 512;
export const MAX_VERSION = 64;

function text(value: string | null | undefined, max: number, field: string): RequestFailure | null {
  if (value === null || value === undefined) return null;
  if (value.length === 0 || value.length > max) {
    return fail("VALIDATION_FAILED", `1 to ${max} characters, or omitted.`, field);
  }
  if (hasControlCharacters(value) || !value.isWellFormed()) {
    return fail("VALIDATION_FAILED", "Text without control characters, in valid Unicode.", field);
  }
  return null;
}

/** Bounds every field; a reason goes with DEGRADED and only with it. */
export function validateRuntimeState(
  input: RuntimeStateInput,
  field = "input.state",
): Result<Omit<RuntimeState, "reportedAt">, RequestFailure> {
  const health = input.health ?? "HEALTHY";
  const { activeTasks, errorRate } = input;
  if (activeTasks != null && (!Number.isInteger(activeTasks) || activeTasks < 0 || activeTasks > MAX_ACTIVE_TASKS)) {
    return failed(
      "VALIDATION_FAILED",
      `activeTasks is a whole number from 0 to ${MAX_ACTIVE_TASKS}.`,
      `${field}.activeTasks`,
    );
  }
  if (errorRate != null && !(Number.isFinite(errorRate) && errorRate >= 0 && errorRate <= 1)) {
    return failed("VALIDATION_FAILED", "errorRate is a share, from 0 to 1.", `${field}.errorRate`);
  }
  const problem =
    text(input.currentTask, MAX_CURRENT_TASK, `${field}.currentTask`) ??
    text(input.degradedReason, MAX_DEGRADED_REASON, `${field}.degradedReason`) ??
    text(input.version, MAX_VERSION, `${field}.version`);
  if (problem) return err(problem);
  if (health === "DEGRADED" && !input.degradedReason) {
    return failed("VALIDATION_FAILED", "A DEGRADED runtime says why in degradedReason.", `${field}.degradedReason`);
  }
  if (health !== "DEGRADED" && input.degradedReason) {
    return failed("VALIDATION_FAILED", "degradedReason goes with health DEGRADED only.", `${field}.degradedReason`);
  }
  return ok({
    activeTasks: activeTasks ?? null,
    currentTask: input.currentTask ?? null,
    errorRate: errorRate ?? null,
    health,
    degradedReason: input.degradedReason ?? null,
    version: input.version ?? null,
  });
}

/** The stored report, or null for none (or for anything this service did not write). */
export function readRuntimeState(stored: unknown): RuntimeState | null {
  if (typeof stored !== "object" || stored === null) return null;
  const s = stored as Partial<RuntimeState>;
  if ((s.health !== "HEALTHY" && s.health !== "DEGRADED") || typeof s.reportedAt !== "string") return null;
  return {
    activeTasks: s.activeTasks ?? null,
    currentTask: s.currentTask ?? null,
    errorRate: s.errorRate ?? null,
    health: s.health,
    degradedReason: s.degradedReason ?? null,
    version: s.version ?? null,
    reportedAt: s.reportedAt,
  };
}
