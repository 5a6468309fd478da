import { type DeriveFailure, deriveProvider } from "../registry/derive.js";
import type { Provider, Registry } from "../registry/registry.js";

/** Reads the org secret rows (names only, never values). */
export type OrgSecretNameSource = () => Promise<Iterable<{ key: string }>>;

export type GateInput = {
  registry: Registry;
  runtime: string;
  model: string;
  /** Secret names given with the workspace (payload or stored). */
  workspaceKeyNames: readonly string[];
  orgSecretNames: OrgSecretNameSource;
  /**
   * "open" at create, preflight and discovery: a failure to derive or to read
   * the org names passes, because the provision checks run again after the
   * write and fail closed. "closed" in the provision checks themselves.
   */
  onFailure: "open" | "closed";
};

export type MissingCredential = {
  runtime: string;
  model: string;
  provider: Provider;
  acceptedEnv: readonly string[];
  suggestedModel: string | null;
};

export type GateVerdict =
  | {
      pass: true;
      /** Null only when the gate failed open before any derivation succeeded. */
      provider: Provider | null;
      platformBilled: boolean;
      via: "platform" | "workspace-secret" | "org-secret" | "failed-open";
    }
  | { pass: false; reason: "missing-credential"; missing: MissingCredential }
  | { pass: false; reason: "underivable"; failure: DeriveFailure }
  | { pass: false; reason: "secret-names-unreadable"; error: unknown };

/** Drains the org rows into names; any error (query, row or iteration) propagates. */
export async function readNames(source: OrgSecretNameSource): Promise<string[]> {
  const names: string[] = [];
  for (const row of await source()) {
    const key = row.key;
    if (typeof key !== "string") throw new TypeError("org secret row without a key name");
    names.push(key);
  }
  return names;
}

/** The runtime's default model, when it is platform-billed with no keys at all. */
export function suggestedModelFor(registry: Registry, runtime: string): string | null {
  const model = registry.runtimes.get(runtime)?.defaultModel;
  if (!model) return null;
  const d = deriveProvider(registry, runtime, model, []);
  return d.ok && d.value.platformBilled ? model : null;
}

/**
 * The credential gate (SPEC section 4 step 6): the one verdict behind create,
 * preflight, offeredModels and the provision checks.
 */
export async function checkCredentialGate(input: GateInput): Promise<GateVerdict> {
  const { registry, runtime, model, workspaceKeyNames, onFailure } = input;
  const derived = deriveProvider(registry, runtime, model, workspaceKeyNames);
  if (!derived.ok) {
    return onFailure === "open"
      ? { pass: true, provider: null, platformBilled: false, via: "failed-open" }
      : { pass: false, reason: "underivable", failure: derived.error };
  }
  const first = derived.value;
  // Platform-billed, or a workspace secret the provider accepts: no query.
  if (first.platformBilled) return { pass: true, provider: first.provider, platformBilled: true, via: "platform" };
  if (first.provider.authEnv.some((k) => workspaceKeyNames.includes(k))) {
    return { pass: true, provider: first.provider, platformBilled: false, via: "workspace-secret" };
  }

  let orgNames: string[];
  try {
    orgNames = await readNames(input.orgSecretNames);
  } catch (error) {
    return onFailure === "open"
      ? { pass: true, provider: first.provider, platformBilled: false, via: "failed-open" }
      : { pass: false, reason: "secret-names-unreadable", error };
  }
  const all = [...workspaceKeyNames, ...orgNames];
  const rederived = deriveProvider(registry, runtime, model, all);
  if (!rederived.ok) {
    return onFailure === "open"
      ? { pass: true, provider: first.provider, platformBilled: false, via: "failed-open" }
      : { pass: false, reason: "underivable", failure: rederived.error };
  }
  const second = rederived.value;
  if (second.platformBilled) return { pass: true, provider: second.provider, platformBilled: true, via: "org-secret" };
  if (second.provider.authEnv.some((k) => all.includes(k))) {
    return { pass: true, provider: second.provider, platformBilled: false, via: "org-secret" };
  }
  return {
    pass: false,
    reason: "missing-credential",
    missing: {
      runtime,
      model,
      provider: second.provider,
      acceptedEnv: second.provider.authEnv,
      suggestedModel: suggestedModelFor(registry, runtime),
    },
  };
}

export function missingCredentialMessage(m: MissingCredential): string {
  const hint = m.suggestedModel
    ? ` Or use ${m.suggestedModel}, the runtime's platform-billed default, which needs no key.`
    : "";
  return (
    `Model ${m.model} on ${m.runtime} is served by ${m.provider.name} (${m.provider.displayName}), ` +
    `which needs one of ${m.acceptedEnv.join(", ")} as a workspace or org secret.${hint}`
  );
}
