import type { Domain } from "../domain.js";
import { validateSecretKey, validateSecretValue } from "./validate.js";

/** The org-wide secrets' commands: validated here, written by the secret store (which tells every instance). */
export async function setOrgSecret(domain: Domain, input: { key: string; value: string }) {
  const invalid = validateSecretKey(input.key, "input.key") ?? validateSecretValue(input.value, "input.value");
  if (invalid) return invalid;
  return domain.secrets.setOrgSecret(input.key, input.value, domain.actor);
}

export async function deleteOrgSecret(domain: Domain, key: string) {
  const invalid = validateSecretKey(key, "key");
  if (invalid) return invalid;
  return { key, deleted: await domain.secrets.deleteOrgSecret(key) };
}
