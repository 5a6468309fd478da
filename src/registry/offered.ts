import { checkCredentialGate, type OrgSecretNameSource } from "../gate/credential-gate.js";
import type { Registry } from "./registry.js";

export type OfferedModel = {
  model: string;
  provider: string;
  platformBilled: boolean;
  authEnv: readonly string[];
  credentialSatisfied: boolean;
};

/**
 * The runtime's listed models, each judged by the credential gate exactly as
 * createWorkspace with no workspace secrets would judge it. The org names are
 * read at most once for the whole list.
 */
export async function offeredModels(
  registry: Registry,
  runtime: string,
  orgSecretNames: OrgSecretNameSource,
): Promise<OfferedModel[] | null> {
  const rt = registry.runtimes.get(runtime);
  if (!rt) return null;
  let once: ReturnType<OrgSecretNameSource> | undefined;
  const cached: OrgSecretNameSource = () => {
    once ??= orgSecretNames();
    return once;
  };
  const offered: OfferedModel[] = [];
  for (const model of rt.listedModels) {
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
