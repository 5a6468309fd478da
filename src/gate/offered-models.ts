import type { Registry } from "../registry/registry.js";
import { checkCredentialGate, type OrgSecretNameSource } from "./credential-gate.js";

export type OfferedModel = {
  model: string;
  provider: string;
  platformBilled: boolean;
  authEnv: readonly string[];
  credentialSatisfied: boolean;
};

/**
 * Lists already judged, by the org names they were judged against, then by
 * registry and runtime. The org names cache hands out the same rows object
 * until the names change, so a list is reused exactly as long as the names
 * it was judged with are current; rows read past the cache are never seen
 * again and their entries go with them.
 */
const judged = new WeakMap<object, WeakMap<Registry, Map<string, readonly OfferedModel[]>>>();

/**
 * The runtime's listed models, each judged by the credential gate exactly as
 * createWorkspace with no workspace secrets would judge it. The org names are
 * read at most once for the whole list.
 */
export async function offeredModels(
  registry: Registry,
  runtime: string,
  orgSecretNames: OrgSecretNameSource,
): Promise<readonly OfferedModel[] | null> {
  const rt = registry.runtimes.get(runtime);
  if (!rt) return null;
  const once = orgSecretNames();
  // An unreadable list is the gate's to judge (it fails open here), and not kept.
  const rows = await once.catch(() => null);
  const byRuntime = rows ? judged.get(rows)?.get(registry) : undefined;
  const hit = byRuntime?.get(runtime);
  if (hit) return hit;
  const offered = await judge(registry, runtime, rt.listedModels, () => once);
  if (rows) {
    const byRegistry = judged.get(rows) ?? new WeakMap();
    judged.set(rows, byRegistry);
    const lists = byRegistry.get(registry) ?? new Map();
    byRegistry.set(registry, lists.set(runtime, offered));
  }
  return offered;
}

async function judge(
  registry: Registry,
  runtime: string,
  listedModels: readonly string[],
  cached: OrgSecretNameSource,
): Promise<readonly OfferedModel[]> {
  const offered: OfferedModel[] = [];
  for (const model of listedModels) {
    const verdict = await checkCredentialGate({
      registry,
      runtime,
      model,
      workspaceKeyNames: [],
      orgSecretNames: cached,
      onFailure: "open",
    });
    if (verdict.pass) {
      if (!verdict.provider) continue;
      offered.push({
        model,
        provider: verdict.provider.name,
        platformBilled: verdict.platformBilled,
        authEnv: verdict.platformBilled ? [] : verdict.provider.authEnv,
        credentialSatisfied: true,
      });
    } else if (verdict.reason === "missing-credential") {
      offered.push({
        model,
        provider: verdict.missing.provider.name,
        platformBilled: false,
        authEnv: verdict.missing.acceptedEnv,
        credentialSatisfied: false,
      });
    }
  }
  return offered;
}
