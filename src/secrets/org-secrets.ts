import type { Domain } from "../domain.js";
import { err, ok, type RequestFailure, type Result } from "../errors.js";
import type { SecretDeletion, SecretKeyRow } from "./store.js";
import { validateSecretKey, validateSecretValue } from "./validate.js";

/** The org-wide secrets' commands: validated here, written by the secret store (which tells every instance). */
export async function setOrgSecret(
  domain: Domain,
  input: { key: string; value: string },
): Promise<Result<SecretKeyRow, RequestFailure>> {
  const invalid = validateSecretKey(input.key, "input.key") ?? validateSecretValue(input.value, "input.value");
  if (invalid) return err(invalid);
  return ok(await domain.secrets.setOrgSecret(input.key, input.value, domain.actor));
}

export async function deleteOrgSecret(domain: Domain, key: string): Promise<Result<SecretDeletion, RequestFailure>> {
  const invalid = validateSecretKey(key, "key");
  if (invalid) return err(invalid);
  return ok({ key, deleted: await domain.secrets.deleteOrgSecret(key) });
}
