import { fail, type RequestFailure } from "../errors.js";

export const SECRET_KEY_PATTERN = /^[A-Z_][A-Z0-9_]{0,127}$/;
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;

export function validateSecretKey(key: string, field: string): RequestFailure | null {
  return SECRET_KEY_PATTERN.test(key)
    ? null
    : fail(
        "VALIDATION_FAILED",
        "Secret keys are 1-128 characters of A-Z, 0-9 and _, not starting with a digit.",
        field,
      );
}

export function validateSecretValue(value: string, field: string): RequestFailure | null {
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes < 1 || bytes > MAX_SECRET_VALUE_BYTES) {
    return fail("VALIDATION_FAILED", "Secret values are 1 byte to 64 KiB of UTF-8.", field);
  }
  // A lone surrogate cannot be stored as UTF-8 without changing the value.
  if (!value.isWellFormed()) return fail("VALIDATION_FAILED", "Secret values must be valid UTF-8 text.", field);
  return null;
}
