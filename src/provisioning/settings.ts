import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/**
 * PROVISIONER_CONFIG (SPEC section 9): how to run each registry runtime.
 * `command` is argv; `{workspaceId}` and `{generation}` in it (and in `env`
 * values) are replaced, so the process table shows which workspace a
 * process serves.
 */
const entrySchema = z
  .object({
    command: z.array(z.string().min(1).max(4096)).min(1).max(256).optional(),
    image: z.string().min(1).max(1024).optional(),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "env names are letters, digits and _"),
        z.string().max(65_536),
      )
      .optional(),
    memoryMb: z.number().int().min(16).max(1_048_576).optional(),
    cpus: z.number().positive().max(1024).optional(),
    network: z.string().min(1).max(256).optional(),
  })
  .strict();

const fileSchema = z
  .object({
    runtimes: z.record(z.string().min(1), entrySchema).default({}),
    default: entrySchema.optional(),
  })
  .strict();

export type RuntimeEntry = z.infer<typeof entrySchema>;
export type ProvisionerConfig = { runtimes: Record<string, RuntimeEntry>; default: RuntimeEntry | undefined };

/** The bundled reference agent (`npm run build` writes it beside dist/main.js). */
export function referenceAgentPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Bundled: dist/main.js sits beside dist/agent.mjs. From source: src/provisioning/.
  const dist = path.basename(here) === "dist" ? here : path.resolve(here, "../../dist");
  return path.join(dist, "agent.mjs");
}

export const REFERENCE_AGENT_COMMAND = (): string[] => [
  process.execPath,
  referenceAgentPath(),
  "--workspace={workspaceId}",
];

export class ProvisionerConfigError extends Error {
  override name = "ProvisionerConfigError";
}

/** Reads and validates the file once, at start-up; throws naming the problem. */
export function loadProvisionerConfig(file: string | undefined, provisioner: string): ProvisionerConfig {
  if (!file) return { runtimes: {}, default: undefined };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ProvisionerConfigError(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ProvisionerConfigError(`${file}: ${first?.path.join(".") || "file"}: ${first?.message}`);
  }
  const config = { runtimes: parsed.data.runtimes, default: parsed.data.default };
  if (provisioner === "docker") {
    for (const [name, entry] of Object.entries({
      ...config.runtimes,
      ...(config.default ? { default: config.default } : {}),
    })) {
      if (!entry.image) throw new ProvisionerConfigError(`${file}: ${name}: image is required with PROVISIONER=docker`);
    }
  }
  return config;
}

/** The entry a runtime runs with: its own, else `default`, else the reference agent. */
export function entryFor(config: ProvisionerConfig, runtime: string): RuntimeEntry {
  return config.runtimes[runtime] ?? config.default ?? {};
}

type Labels = { workspaceId: string; generation: number };

/** `{workspaceId}` and `{generation}` in a command argument or an env value. */
export const fillPlaceholders = (text: string, labels: Labels) =>
  text.replaceAll("{workspaceId}", labels.workspaceId).replaceAll("{generation}", String(labels.generation));

export function commandFor(entry: RuntimeEntry, labels: Labels): string[] {
  return (entry.command ?? REFERENCE_AGENT_COMMAND()).map((a) => fillPlaceholders(a, labels));
}
