import { err, ok, type Result } from "../errors.js";
import type { Arm, Provider, Registry } from "./registry.js";

export type Derivation = { provider: Provider; platformBilled: boolean };

export type DeriveFailure =
  | { reason: "unknown-runtime" }
  | { reason: "empty-model" }
  | { reason: "unregistered" }
  | { reason: "ambiguous"; candidates: string[] };

export type DeriveResult = Result<Derivation, DeriveFailure>;

const accepts = (arm: Arm, keys: ReadonlySet<string>) => arm.provider.authEnv.some((k) => keys.has(k));

/** The arm whose provider accepts one of the available key names, when exactly one does. */
function soleKeyedArm(arms: Arm[], keys: ReadonlySet<string>): Arm | undefined {
  const keyed = arms.filter((a) => accepts(a, keys));
  return keyed.length === 1 ? keyed[0] : undefined;
}

const found = (arm: Arm): DeriveResult => ok({ provider: arm.provider, platformBilled: arm.provider.platform });

/**
 * The one derivation (SPEC section 3): which provider serves `model` on
 * `runtime`, given the secret names available. Platform billing is read from
 * the provider the model derives to, never from the model's name.
 */
export function deriveProvider(
  registry: Registry,
  runtimeName: string,
  model: string,
  availableKeyNames: Iterable<string>,
): DeriveResult {
  const runtime = registry.runtimes.get(runtimeName);
  if (!runtime) return err({ reason: "unknown-runtime" });
  if (model.length === 0) return err({ reason: "empty-model" });
  const keys = availableKeyNames instanceof Set ? (availableKeyNames as Set<string>) : new Set(availableKeyNames);

  const listing = runtime.arms.filter((a) => a.models.has(model));
  if (listing.length === 1) return found(listing[0] as Arm);
  if (listing.length > 1) return found(soleKeyedArm(listing, keys) ?? (listing[0] as Arm));

  const matching = runtime.arms.filter((a) => a.provider.modelPrefixMatch.test(model));
  if (matching.length === 1) return found(matching[0] as Arm);
  if (matching.length > 1) {
    const keyed = soleKeyedArm(matching, keys);
    if (keyed) return found(keyed);
    return err({ reason: "ambiguous", candidates: matching.map((a) => a.provider.name) });
  }
  return err({ reason: "unregistered" });
}
