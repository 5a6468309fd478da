import type { RequestFailure } from "../domain.js";
import { fail } from "../domain.js";
import { validateSecretKey, validateSecretValue } from "../secrets/validate.js";

export const MAX_NAME = 128;
export const MAX_RUNTIME_OR_MODEL = 256;
export const MAX_SECRETS = 100;

// C0, DEL and C1 controls, plus line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Bidi embeddings, overrides and isolates: they make a name read as another (Trojan Source).
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
// What draws nothing: default-ignorable code points (zero-width characters,
// joiners, U+FEFF, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0), marks
// with no base, other format characters, white space and the blank braille
// pattern. A name must keep something once these are taken away.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{M}\p{Cf}\p{White_Space}\u2800]/gu;
export const hasControlCharacters = (text: string) => CONTROL.test(text);

export type CreateInput = {
  name: string;
  runtime?: string | null;
  model?: string | null;
  kind?: "WORKSPACE" | "PLATFORM" | null;
  secrets?: readonly { key: string; value: string }[] | null;
};

export function validateName(name: string, field: string): RequestFailure | null {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_NAME) {
    return fail("VALIDATION_FAILED", `Names are 1 to ${MAX_NAME} characters after trimming.`, field);
  }
  if (CONTROL.test(trimmed)) return fail("VALIDATION_FAILED", "Names cannot contain control characters.", field);
  // A lone surrogate would be stored as U+FFFD: not the name that was given.
  if (!trimmed.isWellFormed()) return fail("VALIDATION_FAILED", "Names must be valid Unicode text.", field);
  if (BIDI_CONTROL.test(trimmed))
    return fail("VALIDATION_FAILED", "Names cannot contain bidirectional override or isolate controls.", field);
  if (trimmed.replace(INVISIBLE, "").length === 0)
    return fail("VALIDATION_FAILED", "Names need at least one visible character.", field);
  return null;
}

export function validateIdentifier(
  value: string | null | undefined,
  field: string,
  what: string,
): RequestFailure | null {
  if (value === undefined || value === null) return null;
  if (value.length === 0) return fail("VALIDATION_FAILED", `${what} cannot be empty; omit it for the default.`, field);
  if (value.length > MAX_RUNTIME_OR_MODEL) {
    return fail("VALIDATION_FAILED", `${what} is at most ${MAX_RUNTIME_OR_MODEL} characters.`, field);
  }
  if (CONTROL.test(value)) return fail("VALIDATION_FAILED", `${what} cannot contain control characters.`, field);
  if (!value.isWellFormed()) return fail("VALIDATION_FAILED", `${what} must be valid Unicode text.`, field);
  return null;
}

/** SPEC section 4 step 1: shapes and bounds, before anything else is looked at. */
export function validateCreateInput(input: CreateInput): RequestFailure | null {
  const secrets = input.secrets ?? [];
  const first =
    validateName(input.name, "input.name") ??
    validateIdentifier(input.runtime, "input.runtime", "runtime") ??
    validateIdentifier(input.model, "input.model", "model");
  if (first) return first;
  if (secrets.length > MAX_SECRETS) {
    return fail("VALIDATION_FAILED", `At most ${MAX_SECRETS} secrets can be given.`, "input.secrets");
  }
  const seen = new Set<string>();
  for (const [i, s] of secrets.entries()) {
    const problem =
      validateSecretKey(s.key, `input.secrets.${i}.key`) ?? validateSecretValue(s.value, `input.secrets.${i}.value`);
    if (problem) return problem;
    if (seen.has(s.key)) return fail("VALIDATION_FAILED", `Secret ${s.key} is given twice.`, `input.secrets.${i}.key`);
    seen.add(s.key);
  }
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUIDs; anything else cannot name a workspace (and must not reach SQL as one). */
export const isWorkspaceId = (id: string) => UUID.test(id);
