import type { Domain } from "../domain.js";
import type { Workspace } from "../generated/prisma/client.js";
import { configDigest } from "./environment.js";

const RUNNING = new Set(["PROVISIONING", "ONLINE", "OFFLINE"]);

/**
 * Whether the configuration handed to the runtime (its digest, stored at the
 * start or at an agentConfig read) differs from what a start would hand now.
 * The digest covers names and sealed values, so setting a secret again, even
 * to the same value, counts as a change; no value is decrypted for this.
 */
export async function isConfigStale(domain: Domain, ws: Workspace): Promise<boolean> {
  if (!ws.configDigest || !RUNNING.has(ws.status)) return false;
  const now = await configDigest(domain.prisma, domain.registry, ws.id);
  return now !== null && now !== ws.configDigest;
}
