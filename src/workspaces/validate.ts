import { type Err, fail, failed, type RequestFailure } from "../errors.js";
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

export const MAX_URL = 2048;
export const MAX_AGENT_CARD_BYTES = 64 * 1024;
export const MAX_AGENT_CARD_DEPTH = 64;

export type RegisterInput = {
  workspaceId: string;
  kind?: "WORKSPACE" | "PLATFORM" | null;
  url?: string | null;
  deliveryMode?: "PUSH" | "POLL" | null;
  agentCard?: unknown;
  mcpServerPresent?: boolean | null;
};

/** SPEC section 5 step 1: shapes and bounds, before the token is looked at. */
export function validateRegisterInput(input: RegisterInput): RequestFailure | null {
  if (input.url !== undefined && input.url !== null) {
    if (input.url.length > MAX_URL)
      return fail("VALIDATION_FAILED", `url is at most ${MAX_URL} characters.`, "input.url");
    if (URL_CONTROL.test(input.url) || !input.url.isWellFormed())
      return fail("VALIDATION_FAILED", "url cannot contain control characters.", "input.url");
    if (!URL.canParse(input.url) || !["http:", "https:"].includes(new URL(input.url).protocol)) {
      return fail("VALIDATION_FAILED", "url must be an http or https URL.", "input.url");
    }
  }
  if (input.deliveryMode === "PUSH" && !input.url) {
    return fail("VALIDATION_FAILED", "PUSH delivery needs a url.", "input.deliveryMode");
  }
  if (input.agentCard !== undefined && input.agentCard !== null) {
    const problem = agentCardProblem(input.agentCard);
    if (problem) return fail("VALIDATION_FAILED", problem, "input.agentCard");
    if (Buffer.byteLength(JSON.stringify(input.agentCard), "utf8") > MAX_AGENT_CARD_BYTES) {
      return fail("VALIDATION_FAILED", "agentCard is at most 64 KiB of JSON.", "input.agentCard");
    }
  }
  return null;
}

// The URL parser would drop or encode these, but the url is stored as given.
const URL_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Walks without recursion (a card nested past the stack must be refused, not
 * overflow JSON.stringify) and finds the text PostgreSQL's jsonb cannot
 * store: NUL characters and lone surrogates.
 */
function agentCardProblem(card: unknown): string | null {
  const pending: [unknown, number][] = [[card, 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [v, depth] = item;
    if (typeof v === "string") {
      if (v.includes("\u0000") || !v.isWellFormed()) return "agentCard text must be valid Unicode without NUL.";
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= MAX_AGENT_CARD_DEPTH) return `agentCard nests at most ${MAX_AGENT_CARD_DEPTH} levels.`;
    for (const [key, child] of Object.entries(v)) pending.push([key, depth], [child, depth + 1]);
  }
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUIDs; anything else cannot name a row (and must not reach SQL as an id). */
export const isUuid = (id: string) => UUID.test(id);
export const isWorkspaceId = isUuid;

/** The one answer for a workspace that does not exist, was removed, or whose id is malformed. */
export const noSuchWorkspace = (field: string): Err<RequestFailure> => failed("NOT_FOUND", "No such workspace.", field);
