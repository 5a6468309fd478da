import { randomBytes, randomUUID } from "node:crypto";
import { actorJson } from "../auth/actor.js";
import { violatedUniqueIndex } from "../db/errors.js";
import type { Domain } from "../domain.js";
import {
  err,
  failed,
  type MissingCredentialFailure,
  ok,
  type Result,
  type UnregisteredModelFailure,
} from "../errors.js";
import { checkCredentialGate, missingCredentialMessage, type OrgSecretNameSource } from "../gate/credential-gate.js";
import type { Workspace } from "../generated/prisma/client.js";
import { deriveProvider } from "../registry/derive.js";
import type { Registry, Runtime } from "../registry/registry.js";
import { provisionAndRecord } from "./provision.js";
import { type CreateInput, validateCreateInput } from "./validate.js";

export type Preflight = {
  name: string;
  kind: "WORKSPACE" | "PLATFORM";
  runtime: string;
  model: string;
  provider: string | null;
  platformBilled: boolean;
  secrets: readonly { key: string; value: string }[];
};

/**
 * SPEC section 4 steps 1 to 6, in order; writes nothing. Create runs exactly
 * this before its transaction, so preflight and create cannot disagree.
 */
export async function preflightWorkspace(domain: Domain, input: CreateInput): Promise<Result<Preflight>> {
  const invalid = validateCreateInput(input);
  if (invalid) return err(invalid);
  const { registry } = domain;

  const runtimeName = input.runtime ?? registry.defaultRuntime;
  const runtime = registry.runtimes.get(runtimeName);
  if (!runtime) {
    return failed("RUNTIME_UNSUPPORTED", `Runtime ${runtimeName} is not in the model registry.`, "input.runtime");
  }
  const model = input.model ?? runtime.defaultModel;
  if (!model) {
    return failed("MODEL_REQUIRED", `Runtime ${runtimeName} has no default model; give one.`, "input.model");
  }
  const secrets = input.secrets ?? [];
  const payloadNames = secrets.map((s) => s.key);
  const unregistered = checkModelRegistered(registry, runtime, model, payloadNames);
  if (unregistered) return err(unregistered);
  const kind = input.kind ?? "WORKSPACE";
  if (kind === "PLATFORM" && (await platformAgentExists(domain))) {
    return failed("CONFLICT", "A platform agent already exists; remove it before creating another.", "input.kind");
  }
  const verdict = await checkModelCredential(domain, runtimeName, model, payloadNames);
  if (!verdict.ok) return verdict;
  return ok({
    name: input.name.trim(),
    kind,
    runtime: runtimeName,
    model,
    provider: verdict.value.provider,
    platformBilled: verdict.value.platformBilled,
    secrets,
  });
}

/** Step 4: the model is listed for the runtime, or derives with these secret names. */
export function checkModelRegistered(
  registry: Registry,
  runtime: Runtime,
  model: string,
  secretNames: readonly string[],
): UnregisteredModelFailure | null {
  if (deriveProvider(registry, runtime.name, model, secretNames).ok) return null;
  return {
    code: "UNREGISTERED_MODEL_FOR_RUNTIME",
    message: `Model ${model} is not offered on runtime ${runtime.name}.`,
    runtime: runtime.name,
    model,
    offeredModels: runtime.listedModels,
  };
}

/**
 * Step 6: the credential gate, failing open as at create (the provision
 * checks, which fail closed, are the backstop). The provider and billing
 * are what the workspace row records.
 */
export async function checkModelCredential(
  domain: Domain,
  runtime: string,
  model: string,
  secretNames: readonly string[],
): Promise<Result<{ provider: string | null; platformBilled: boolean }, MissingCredentialFailure>> {
  const gate = (orgSecretNames: OrgSecretNameSource) =>
    checkCredentialGate({
      registry: domain.registry,
      runtime,
      model,
      workspaceKeyNames: secretNames,
      orgSecretNames,
      onFailure: "open",
    });
  const seen = { database: false };
  let verdict = await gate(domain.secrets.orgSecretNames(undefined, seen));
  if (!verdict.pass && verdict.reason === "missing-credential" && !seen.database) {
    // The cached names may predate an org secret another instance has just
    // set (its NOTIFY not heard yet): the database decides a refusal.
    verdict = await gate(domain.secrets.orgSecretNamesFromDatabase());
  }
  if (verdict.pass) return ok({ provider: verdict.provider?.name ?? null, platformBilled: verdict.platformBilled });
  if (verdict.reason !== "missing-credential") throw new Error("an open gate cannot fail for any other reason");
  const m = verdict.missing;
  return err({
    code: "MISSING_BYOK_CREDENTIAL",
    message: missingCredentialMessage(m),
    runtime: m.runtime,
    model: m.model,
    provider: m.provider.name,
    acceptedEnv: m.acceptedEnv,
    suggestedModel: m.suggestedModel,
  });
}

async function platformAgentExists(domain: Domain): Promise<boolean> {
  const row = await domain.prisma.workspace.findFirst({
    where: { kind: "PLATFORM", status: { not: "REMOVED" } },
    select: { id: true },
  });
  return row !== null;
}

export async function createWorkspace(domain: Domain, input: CreateInput): Promise<Result<Workspace>> {
  const planned = await preflightWorkspace(domain, input);
  if (!planned.ok) return planned;
  const plan = planned.value;
  const { prisma, secrets } = domain;
  // The id is chosen here so each sealed value can be bound to it.
  const id = randomUUID();
  // What the row is written with is what the provision checks start from.
  const { kind, runtime, model, provider, platformBilled } = plan;
  const row = { kind, runtime, model, provider, platformBilled };
  try {
    const [workspace, hints] = await prisma.$transaction(async (tx) => {
      const written = await tx.workspace.create({
        data: {
          id,
          name: plan.name,
          ...row,
          status: "PROVISIONING",
          inboundSecret: secrets.sealInboundSecret(id, randomBytes(32).toString("base64url")),
        },
      });
      if (plan.secrets.length > 0) {
        await tx.workspaceSecret.createMany({
          data: plan.secrets.map((s) => ({
            workspaceId: id,
            key: s.key,
            value: secrets.sealWorkspaceSecret(id, s.key, s.value),
            updatedBy: actorJson(domain.actor),
          })),
        });
      }
      // Nothing is committed until the provision checks have given their
      // verdict: the workspace is never seen PROVISIONING with checks pending.
      const { outcome, hints } = await provisionAndRecord(domain, tx, id, {
        wasProvisioning: false,
        snapshot: { ...row, secretNames: plan.secrets.map((s) => s.key) },
      });
      // The row as the checks left it: read back only if they changed it.
      const unchanged = outcome?.ok === true && !outcome.value.rowChanged;
      const answer = unchanged ? written : await tx.workspace.findUniqueOrThrow({ where: { id } });
      return [answer, hints] as const;
    });
    for (const hint of hints) if (hint) domain.events.publish(hint);
    // Only a workspace that passed its provision checks gets a runtime.
    if (workspace.status === "PROVISIONING") domain.provisioning.changed(id);
    return ok(workspace);
  } catch (err) {
    // The partial unique index on live PLATFORM rows closes the race that
    // preflight's check leaves open.
    if (violatedUniqueIndex(err) === "Workspace_one_live_platform") {
      return failed("CONFLICT", "A platform agent already exists; remove it before creating another.", "input.kind");
    }
    throw err;
  }
}
