import { expect } from "vitest";
import type { Role } from "../../src/auth/roles.js";
import { expectSuccess, gql, ok } from "./gql.js";
import type { TestApp } from "./harness.js";
import { CreateApiToken } from "./operations.js";

/** A new API token of this role, made by the app's admin token; the token and its id. */
export async function apiToken(t: TestApp, role: Role, label = `${role} token`, expiresAt?: Date) {
  const r = ok(
    await gql(t, CreateApiToken, {
      input: { label, role: role.toUpperCase() as "VIEWER", expiresAt: expiresAt?.toISOString() },
    }),
  ).createApiToken;
  const s = expectSuccess(r, "CreateApiTokenSuccess");
  expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return { token: s.token, id: s.apiToken.id, label };
}
