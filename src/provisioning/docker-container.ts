import { createHash } from "node:crypto";
import type { ContainerCreateOptions } from "dockerode";
import { LABELS, type ObservedRuntime, type RuntimeSpec } from "./backend.js";

// What a runtime is as a Docker container, and back: its name, labels and
// create options from a spec, its identity from its labels. No engine here.

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const hash8 = (text: string) => sha256(text).slice(0, 8);

/**
 * Docker's own label (beside the shared LABELS): a digest of everything a
 * container was created from, environment included. A start that finds its
 * generation's container created but never started starts it only when it
 * was created from the same spec (a retried or racing identical start), and
 * replaces it otherwise. The environment itself is readable through the
 * same API, so its digest tells nothing new.
 */
export const SPEC_DIGEST_LABEL = "dev.workspace-control-plane.docker-spec-sha256";

function specDigest(config: unknown): string {
  return sha256(JSON.stringify(config));
}

/**
 * The one container name of a workspace generation under an owner: the
 * engine refuses a second container of that name (409), which is what makes
 * a repeated or concurrent start find the first instead of adding another.
 * The owner is hashed (its value is free text); a workspace id that is not
 * already a valid name part is made one, with a hash so that two ids cannot
 * meet on one name.
 */
export function containerName(owner: string, workspaceId: string, generation: number): string {
  const safe = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$/.test(workspaceId)
    ? workspaceId
    : `${workspaceId.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 64)}-${hash8(workspaceId)}`;
  return `cp-${hash8(owner)}-${safe}-g${generation}`;
}

function runtimeLabels(owner: string, spec: RuntimeSpec): Record<string, string> {
  return {
    [LABELS.owner]: owner,
    [LABELS.workspaceId]: spec.workspaceId,
    [LABELS.generation]: String(spec.generation),
    [LABELS.runtime]: spec.runtime,
  };
}

/**
 * Identity of a container from its labels. A container of this owner whose
 * workspace or generation label is missing or unreadable gets workspaceId ""
 * and generation -1: no workspace has them, so the reconciler stops it as an
 * orphan instead of this backend hiding it.
 */
export function observedFromLabels(
  ref: string,
  labels: Readonly<Record<string, string>> | undefined,
): Pick<ObservedRuntime, "ref" | "workspaceId" | "generation"> {
  const generation = labels?.[LABELS.generation] ?? "";
  return {
    ref,
    workspaceId: labels?.[LABELS.workspaceId] ?? "",
    generation: /^\d{1,15}$/.test(generation) ? Number(generation) : -1,
  };
}

/** The create options of spec's container (name included), refusing what the engine could not run as meant. */
export function containerSpec(owner: string, spec: RuntimeSpec): ContainerCreateOptions {
  if (!spec.image) throw new Error(`docker: runtime "${spec.runtime}" has no image`);
  if (!Number.isSafeInteger(spec.generation) || spec.generation < 0) {
    throw new Error(`docker: generation must be a whole number, not ${spec.generation}`);
  }
  const badKey = Object.keys(spec.env).find((k) => k === "" || k.includes("=") || k.includes("\0"));
  if (badKey !== undefined) throw new Error(`docker: "${badKey}" cannot be an environment variable's name`);
  const config = {
    Image: spec.image,
    ...(spec.command ? { Cmd: [...spec.command] } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    HostConfig: {
      NetworkMode: spec.network ?? "host",
      // The reconciler restarts runtimes (with backoff and a crash-loop limit), not the engine.
      RestartPolicy: { Name: "no" },
      ...(spec.memoryMb ? { Memory: Math.round(spec.memoryMb * 1024 * 1024) } : {}),
      ...(spec.cpus ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
    },
  };
  return {
    name: containerName(owner, spec.workspaceId, spec.generation),
    ...config,
    Labels: { ...runtimeLabels(owner, spec), [SPEC_DIGEST_LABEL]: specDigest(config) },
  };
}
