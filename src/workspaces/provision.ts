import { type Actor, actorJson, SYSTEM } from "../auth/actor.js";
import type { Domain } from "../domain.js";
import { type Err, err, ok, type Result } from "../errors.js";
import { type EventHint, recordEvent } from "../events/record.js";
import { checkCredentialGate, missingCredentialMessage, readNames } from "../gate/credential-gate.js";
import type { Prisma } from "../generated/prisma/client.js";
import { deriveProvider } from "../registry/derive.js";

export type ProvisionFailureCode = "SECRET_UNREADABLE" | "MISSING_BYOK_CREDENTIAL" | "UNREGISTERED_MODEL_FOR_RUNTIME";
export type ProvisionFailure = { code: ProvisionFailureCode; message: string };
/** `rowChanged`: the checks corrected the workspace row's provider or billing. */
export type Outcome = Result<{ rowChanged: boolean }, ProvisionFailure>;
type Tx = Prisma.TransactionClient;

/** What the caller already knows of the workspace; saves reading it back. */
export type ProvisionSnapshot = {
  kind: "WORKSPACE" | "PLATFORM";
  runtime: string;
  model: string;
  provider: string | null;
  platformBilled: boolean;
  /** The workspace secret names as they stand in this transaction. */
  secretNames: string[];
};

const unreadable = (what: string): Err<ProvisionFailure> =>
  err({
    code: "SECRET_UNREADABLE",
    message: `${what} could not be read or decrypted; fix or replace it, then restart the workspace.`,
  });

/** Takes the workspace row's lock: register and restart wait on it. */
export async function lockWorkspace(tx: Tx, workspaceId: string): Promise<string | null> {
  const rows = await tx.$queryRaw<{ status: string }[]>`
    SELECT status::text AS status FROM "Workspace" WHERE id = ${workspaceId}::uuid FOR UPDATE`;
  return rows[0]?.status ?? null;
}

/** Records a failed outcome: FAILED, its failure code and the event. */
export function recordProvisionOutcome(tx: Tx, workspaceId: string, outcome: Outcome | null, actor: Actor) {
  if (!outcome || outcome.ok) return Promise.resolve(null);
  return failInTransaction(tx, workspaceId, outcome.error.code, outcome.error.message, ["PROVISIONING"], actor);
}

/**
 * The provision checks, then their events in the order the event-order lock
 * wants them (last): PROVISIONING, unless the workspace already was, then
 * the failure, if any. Create and restart both run this under the row lock.
 */
export async function provisionAndRecord(
  domain: Domain,
  tx: Tx,
  workspaceId: string,
  { wasProvisioning, snapshot }: { wasProvisioning: boolean; snapshot?: ProvisionSnapshot },
): Promise<{ outcome: Outcome | null; hints: (EventHint | null)[] }> {
  const outcome = await checkProvisioning(domain, tx, workspaceId, snapshot);
  const provisioning = wasProvisioning
    ? null
    : await recordEvent(tx, {
        workspaceId,
        type: "WORKSPACE_PROVISIONING",
        status: "PROVISIONING",
        actor: domain.actor,
      });
  const failed = await recordProvisionOutcome(tx, workspaceId, outcome, domain.actor);
  return { outcome, hints: [provisioning, failed] };
}

/** The checks on their own, in a transaction of their own (after a crash, or from tests). */
export async function runProvisionChecks(domain: Domain, workspaceId: string): Promise<void> {
  const hint = await domain.prisma.$transaction(async (tx) => {
    if ((await lockWorkspace(tx, workspaceId)) !== "PROVISIONING") return null;
    return recordProvisionOutcome(tx, workspaceId, await checkProvisioning(domain, tx, workspaceId), domain.actor);
  });
  if (hint) domain.events.publish(hint);
}

/**
 * The provision checks (SPEC section 6), run inside the transaction that
 * created or restarted the workspace, which holds its row lock: no register
 * can take the workspace ONLINE between the write and the verdict, and a
 * crash leaves neither half. Unlike create's gate they fail closed: a secret
 * that cannot be read is a failure, never "unset". The caller records the
 * events (PROVISIONING, then the failure with failInTransaction) last.
 */
export async function checkProvisioning(
  domain: Domain,
  tx: Tx,
  workspaceId: string,
  snapshot?: ProvisionSnapshot,
): Promise<Outcome | null> {
  // A read that fails in the database (not in decryption) aborts the whole
  // transaction, on PostgreSQL and PGlite alike, and the FAILED outcome
  // could no longer be written. So the reads run past a savepoint, taken at
  // the first one (checks that read nothing cost no round trip), and an
  // unreadable outcome rolls back to it: that also drops any seed the checks
  // wrote, which a FAILED workspace must not keep half-done anyway.
  let savepoint = false;
  const beforeRead = async () => {
    if (savepoint) return;
    await tx.$executeRawUnsafe(`SAVEPOINT ${READS_SAVEPOINT}`);
    savepoint = true;
  };
  const outcome = await runChecks(domain, tx, workspaceId, snapshot, beforeRead);
  if (savepoint && outcome?.ok === false && outcome.error.code === "SECRET_UNREADABLE") {
    await tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${READS_SAVEPOINT}`);
  }
  return outcome;
}

const READS_SAVEPOINT = "provision_check_reads";

async function runChecks(
  domain: Domain,
  tx: Tx,
  workspaceId: string,
  snapshot: ProvisionSnapshot | undefined,
  beforeRead: () => Promise<void>,
): Promise<Outcome | null> {
  const { registry, secrets } = domain;
  let ws: Omit<ProvisionSnapshot, "secretNames">;
  let workspaceNames: string[];
  if (snapshot) {
    ws = snapshot;
    workspaceNames = [...snapshot.secretNames];
  } else {
    const row = await tx.workspace.findUnique({
      where: { id: workspaceId },
      select: { kind: true, runtime: true, model: true, status: true, provider: true, platformBilled: true },
    });
    if (row?.status !== "PROVISIONING") return null;
    ws = row;
    try {
      await beforeRead();
      workspaceNames = await secrets.workspaceSecretNames(workspaceId, tx);
    } catch {
      return unreadable("The workspace secret names");
    }
  }

  // Read at most once, and only if a rule needs them; the gate's own reader,
  // so a failed query, a bad row and a failed iteration all fail closed.
  let orgNames: Promise<string[]> | undefined;
  const readOrgNames = () => {
    orgNames ??= beforeRead().then(() => readNames(secrets.orgSecretNames(tx)));
    return orgNames;
  };

  if (ws.kind === "PLATFORM") {
    await beforeRead();
    const seeded = await seedPlatformIdentity(domain, tx, workspaceId, ws, workspaceNames, readOrgNames);
    if (!seeded.ok) return seeded;
    workspaceNames = seeded.value;
  }

  const verdict = await checkCredentialGate({
    registry,
    runtime: ws.runtime,
    model: ws.model,
    workspaceKeyNames: workspaceNames,
    orgSecretNames: async () => (await readOrgNames()).map((key) => ({ key })),
    onFailure: "closed",
  });
  if (verdict.pass) {
    const provider = verdict.provider?.name ?? null;
    const rowChanged = provider !== ws.provider || verdict.platformBilled !== ws.platformBilled;
    if (rowChanged) {
      await tx.workspace.update({
        where: { id: workspaceId },
        data: { provider, platformBilled: verdict.platformBilled },
        select: { id: true },
      });
    }
    return ok({ rowChanged });
  }
  switch (verdict.reason) {
    case "missing-credential":
      return err({ code: "MISSING_BYOK_CREDENTIAL", message: missingCredentialMessage(verdict.missing) });
    case "underivable":
      return err({
        code: "UNREGISTERED_MODEL_FOR_RUNTIME",
        message: `The registry no longer offers ${ws.model} on ${ws.runtime}.`,
      });
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
  tx: Tx,
  workspaceId: string,
  ws: { runtime: string; model: string },
  workspaceNames: string[],
  readOrgNames: () => Promise<string[]>,
): Promise<Result<string[], ProvisionFailure>> {
  const { secrets, registry } = domain;
  // One after the other: a transaction's statements do not run in parallel.
  const model = await secrets.readWorkspaceSecret(workspaceId, "MODEL", tx);
  const provider = await secrets.readWorkspaceSecret(workspaceId, "LLM_PROVIDER", tx);
  if (model.state === "error") return unreadable("The MODEL secret");
  if (provider.state === "error") return unreadable("The LLM_PROVIDER secret");

  const seeds: { key: string; value: string }[] = [];
  if (model.state === "unset") seeds.push({ key: "MODEL", value: ws.model });
  if (provider.state === "unset") {
    const modelValue = model.state === "value" ? model.value : ws.model;
    let pin = modelValue === "";
    if (!pin) {
      let orgNames: string[];
      try {
        orgNames = await readOrgNames();
      } catch {
        return unreadable("The org secret names");
      }
      const derived = deriveProvider(registry, ws.runtime, modelValue, [...workspaceNames, ...orgNames]);
      pin = derived.ok && derived.value.platformBilled;
    }
    if (pin) seeds.push({ key: "LLM_PROVIDER", value: "platform" });
  }
  if (seeds.length > 0) {
    // ON CONFLICT DO NOTHING: a value stored concurrently wins, and no failed
    // statement aborts the surrounding transaction.
    await tx.workspaceSecret.createMany({
      data: seeds.map((s) => ({
        workspaceId,
        key: s.key,
        value: secrets.sealWorkspaceSecret(workspaceId, s.key, s.value),
        updatedBy: actorJson(SYSTEM.provisionChecks),
      })),
      skipDuplicates: true,
    });
  }
  return ok([...new Set([...workspaceNames, ...seeds.map((s) => s.key)])]);
}

/** FAILED with its code and event, inside `tx`, only if the status is still one of `from`. */
export async function failInTransaction(
  tx: Tx,
  workspaceId: string,
  code: string,
  message: string,
  from: readonly ("PROVISIONING" | "ONLINE" | "OFFLINE")[],
  actor: Actor,
  stillTrue: Prisma.WorkspaceWhereInput = {},
): Promise<EventHint | null> {
  const { count } = await tx.workspace.updateMany({
    where: { id: workspaceId, status: { in: [...from] }, ...stillTrue },
    data: { status: "FAILED", failureCode: code, failureMessage: message, failedAt: new Date() },
  });
  if (count === 0) return null;
  return recordEvent(tx, { workspaceId, type: "WORKSPACE_PROVISION_FAILED", status: "FAILED", code, message, actor });
}

/** FAILED with its code and event, in a transaction of its own (the provisioning timeout sweep). */
export async function markProvisionFailed(
  domain: Domain,
  workspaceId: string,
  code: string,
  message: string,
  stillTrue: Prisma.WorkspaceWhereInput = {},
): Promise<boolean> {
  const hint = await domain.prisma.$transaction((tx) =>
    failInTransaction(tx, workspaceId, code, message, ["PROVISIONING"], domain.actor, stillTrue),
  );
  if (hint) domain.events.publish(hint);
  return hint !== null;
}
