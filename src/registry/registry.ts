import { readFile } from "node:fs/promises";
import { z } from "zod";
import defaultRegistryJson from "./default-registry.json" with { type: "json" };

export type Provider = {
  name: string;
  displayName: string;
  authEnv: readonly string[];
  modelPrefixMatch: RegExp;
  platform: boolean;
};

/** A runtime's native provider arm, in declared order. */
export type Arm = { provider: Provider; models: ReadonlySet<string> };

export type Runtime = {
  name: string;
  /** From the file when it gives one, else derived from the name (displayNameOf). */
  displayName: string;
  defaultModel: string | null;
  arms: readonly Arm[];
  /** Listed models, de-duplicated and sorted by code point. */
  listedModels: readonly string[];
};

export type Registry = {
  defaultRuntime: string;
  providers: ReadonlyMap<string, Provider>;
  runtimes: ReadonlyMap<string, Runtime>;
  platformProvider: Provider | null;
};

const fileSchema = z.strictObject({
  schemaVersion: z.literal(1),
  defaultRuntime: z.string().min(1),
  providers: z.array(
    z.strictObject({
      name: z.string().min(1),
      displayName: z.string(),
      authEnv: z.array(z.string().min(1)),
      modelPrefixMatch: z.string().min(1),
      platform: z.boolean(),
    }),
  ),
  runtimes: z.array(
    z.strictObject({
      name: z.string().min(1),
      displayName: z.string().min(1).optional(),
      defaultModel: z.string().min(1).nullish(),
      providers: z.array(z.strictObject({ provider: z.string().min(1), models: z.array(z.string().min(1)) })),
    }),
  ),
});

export class RegistryError extends Error {
  override name = "RegistryError";
}

/**
 * Code-point order, not locale order: the same on every machine. Not `<`,
 * which compares UTF-16 code units and puts U+1F600 before U+FF5E.
 */
export function byCodePoint(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; ) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** RE2-style pattern to a JavaScript RegExp: a leading `(?i)` becomes the `i` flag. */
export function compileModelPattern(pattern: string): RegExp {
  const insensitive = pattern.startsWith("(?i)");
  return new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? "iu" : "u");
}

/**
 * A name for people where the registry gives none: `claude-code` reads as
 * "Claude Code". The bundled registry names no runtime's display name, so
 * this is what a canvas shows unless REGISTRY_FILE adds `displayName`.
 */
export function displayNameOf(name: string): string {
  return name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

/** Display names of what a workspace row names; a name the registry no longer has is derived. */
export const runtimeDisplayName = (registry: Registry, runtime: string) =>
  registry.runtimes.get(runtime)?.displayName ?? displayNameOf(runtime);
export const providerDisplayName = (registry: Registry, provider: string) =>
  registry.providers.get(provider)?.displayName ?? provider;

export function parseRegistry(json: unknown, source = "registry"): Registry {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new RegistryError(`${source}: malformed at ${first?.path.join(".") || "top level"}: ${first?.message}`);
  }
  const file = parsed.data;
  const providers = new Map<string, Provider>();
  for (const p of file.providers) {
    if (providers.has(p.name)) throw new RegistryError(`${source}: provider ${p.name} is declared twice`);
    let modelPrefixMatch: RegExp;
    try {
      modelPrefixMatch = compileModelPattern(p.modelPrefixMatch);
    } catch (err) {
      throw new RegistryError(
        `${source}: provider ${p.name} has an invalid modelPrefixMatch: ${(err as Error).message}`,
      );
    }
    providers.set(p.name, { ...p, authEnv: Object.freeze([...p.authEnv]), modelPrefixMatch });
  }
  const platforms = [...providers.values()].filter((p) => p.platform);
  if (platforms.length > 1) {
    throw new RegistryError(
      `${source}: more than one provider is marked platform (${platforms.map((p) => p.name).join(", ")})`,
    );
  }
  const runtimes = new Map<string, Runtime>();
  for (const r of file.runtimes) {
    if (runtimes.has(r.name)) throw new RegistryError(`${source}: runtime ${r.name} is declared twice`);
    const seen = new Set<string>();
    const arms = r.providers.map((arm) => {
      const provider = providers.get(arm.provider);
      if (!provider) throw new RegistryError(`${source}: runtime ${r.name} names unknown provider ${arm.provider}`);
      if (seen.has(arm.provider))
        throw new RegistryError(`${source}: runtime ${r.name} repeats the arm ${arm.provider}`);
      seen.add(arm.provider);
      return { provider, models: new Set(arm.models) };
    });
    const listedModels = [...new Set(arms.flatMap((a) => [...a.models]))].sort(byCodePoint);
    runtimes.set(r.name, {
      name: r.name,
      displayName: r.displayName ?? displayNameOf(r.name),
      defaultModel: r.defaultModel ?? null,
      arms,
      listedModels,
    });
  }
  if (!runtimes.has(file.defaultRuntime)) {
    throw new RegistryError(`${source}: defaultRuntime ${file.defaultRuntime} is not a declared runtime`);
  }
  return { defaultRuntime: file.defaultRuntime, providers, runtimes, platformProvider: platforms[0] ?? null };
}

export async function loadRegistry(file: string | undefined): Promise<Registry> {
  if (!file) return parseRegistry(defaultRegistryJson, "bundled registry");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new RegistryError(`REGISTRY_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(`REGISTRY_FILE ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseRegistry(json, `REGISTRY_FILE ${file}`);
}
