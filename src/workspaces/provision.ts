import { isUniqueViolation } from "../db/errors.js";
import type { Domain } from "../domain.js";
import { recordEvent } from "../events/record.js";
import { checkCredentialGate, missingCredentialMessage, readNames } from "../gate/credential-gate.js";
import type { Prisma } from "../generated/prisma/client.js";
import { deriveProvider } from "../registry/derive.js";
import type { SecretRead } from "../secrets/store.js";

export type ProvisionFailureCode = "SECRET_UNREADABLE" | "MISSING_BYOK_CREDENTIAL" | "UNREGISTERED_MODEL_FOR_RUNTIME";
type Outcome = { ok: true } | { ok: false; code: ProvisionFailureCode; message: string };

const unreadable = (what: string): Outcome => ({
  ok: false,
  code: "SECRET_UNREADABLE",
  message: `${what} could not be read or decrypted; fix or replace it, then restart the workspace.`,
});

/**
 * The provision checks (SPEC section 6), run after create and restart before
 * the mutation answers. Unlike create's gate they fail closed: a secret that
 * cannot be read is a failure, never "unset".
 */
export async function runProvisionChecks(domain: Domain, workspaceId: string): Promise<void> {
  const outcome = await checkProvisioning(domain, workspaceId);
  if (outcome && !outcome.ok) await markProvisionFailed(domain, workspaceId, outcome.code, outcome.message);
}

async function checkProvisioning(domain: Domain, workspaceId: string): Promise<Outcome | null> {
  const { prisma, registry, secrets } = domain;
  const ws = await prisma.workspace.findUnique({
    where: { id: workspaceId },
    select: { kind: true, runtime: true, model: true, status: true },
  });
  if (ws?.status !== "PROVISIONING") return null;

  let workspaceNames: string[];
  let orgNames: string[];
  try {
    workspaceNames = await secrets.workspaceSecretNames(workspaceId);
    // The gate's own reader: a bad row fails here as a failed query does.
    orgNames = await readNames(secrets.orgSecretNames());
  } catch {
    return unreadable("The secret names");
  }

  if (ws.kind === "PLATFORM") {
    const seeded = await seedPlatformIdentity(domain, workspaceId, ws, [...workspaceNames, ...orgNames]);
    if (!seeded.ok) return seeded;
    workspaceNames = await secrets.workspaceSecretNames(workspaceId).catch(() => workspaceNames);
  }

  const verdict = await checkCredentialGate({
    registry,
    runtime: ws.runtime,
    model: ws.model,
    workspaceKeyNames: workspaceNames,
    orgSecretNames: async () => orgNames.map((key) => ({ key })),
    onFailure: "closed",
  });
  if (verdict.pass) {
    await prisma.workspace.updateMany({
      where: { id: workspaceId, status: "PROVISIONING" },
      data: { provider: verdict.provider?.name ?? null, platformBilled: verdict.platformBilled },
    });
    return { ok: true };
  }
  switch (verdict.reason) {
    case "missing-credential":
      return { ok: false, code: "MISSING_BYOK_CREDENTIAL", message: missingCredentialMessage(verdict.missing) };
    case "underivable":
      return {
        ok: false,
        code: "UNREGISTERED_MODEL_FOR_RUNTIME",
        message: `The registry no longer offers ${ws.model} on ${ws.runtime}.`,
      };
    case "secret-names-unreadable":
      return unreadable("The org secret names");
  }
}

/**
 * MODEL is seeded with the workspace's model when unset; LLM_PROVIDER is
 * pinned to "platform" when unset and MODEL is empty or platform-billed. A
 * stored value is always respected, and a read error on either seeds nothing.
 */
async function seedPlatformIdentity(
  domain: Domain,
  workspaceId: string,
  ws: { runtime: string; model: string },
  availableNames: string[],
): Promise<Outcome> {
  const { secrets, registry } = domain;
  const [model, provider]: SecretRead[] = await Promise.all([
    secrets.readWorkspaceSecret(workspaceId, "MODEL"),
    secrets.readWorkspaceSecret(workspaceId, "LLM_PROVIDER"),
  ]);
  if (model?.state === "error") return unreadable("The MODEL secret");
  if (provider?.state === "error") return unreadable("The LLM_PROVIDER secret");

  const modelValue = model?.state === "value" ? model.value : ws.model;
  try {
    if (model?.state === "unset") await seedSecret(domain, workspaceId, "MODEL", ws.model);
    if (provider?.state === "unset") {
      const derived = modelValue === "" ? null : deriveProvider(registry, ws.runtime, modelValue, availableNames);
      if (modelValue === "" || (derived?.ok && derived.platformBilled)) {
        await seedSecret(domain, workspaceId, "LLM_PROVIDER", "platform");
      }
    }
  } catch {
    return unreadable("The platform identity secrets");
  }
  return { ok: true };
}

/** Creates a secret only if it is still unset: a concurrent write wins. */
async function seedSecret(domain: Domain, workspaceId: string, key: string, value: string) {
  try {
    await domain.prisma.workspaceSecret.create({
      data: { workspaceId, key, value: domain.secrets.sealWorkspaceSecret(workspaceId, key, value) },
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
}

/** FAILED with its code and event, in one transaction, only if still provisioning. */
export async function markProvisionFailed(
  domain: Domain,
  workspaceId: string,
  code: string,
  message: string,
  payload?: Record<string, string>,
  from: readonly ("PROVISIONING" | "ONLINE" | "OFFLINE")[] = ["PROVISIONING"],
  stillTrue: Prisma.WorkspaceWhereInput = {},
): Promise<boolean> {
  const hint = await domain.prisma.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.workspace.updateMany({
      where: { id: workspaceId, status: { in: [...from] }, ...stillTrue },
      data: { status: "FAILED", failureCode: code, failureMessage: message, failedAt: now },
    });
    if (count === 0) return null;
    return recordEvent(tx, {
      workspaceId,
      type: "WORKSPACE_PROVISION_FAILED",
      status: "FAILED",
      code,
      message,
      payload,
    });
  });
  if (hint) domain.events.publish(hint);
  return hint !== null;
}
