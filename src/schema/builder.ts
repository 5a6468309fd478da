import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import { atLeast } from "../auth/roles.js";
import type PrismaTypes from "../generated/pothos-types.js";
import { getDatamodel } from "../generated/pothos-types.js";
import type { Context } from "./context.js";

// Scope auth first, so its check wraps every other plugin's resolver work.
// Result unions and connections are written out by hand because the
// contract fixes their shapes and their limits (Pothos's connection helpers
// silently cut `first` instead of refusing it).
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  // Each root field declares one: the role it needs, or `agent` (an agent's
  // call that checks its own token). The pre-execution check
  // (src/http/access-rules.ts) reads these declarations; an undeclared field needs admin.
  AuthScopes: { viewer: boolean; operator: boolean; admin: boolean; agent: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // The verdict was given before execution; this is the same verdict again,
    // from the caller the check identified, should a path ever skip it.
    authScopes: (ctx) => ({
      viewer: atLeast(ctx.caller?.role ?? null, "viewer"),
      operator: atLeast(ctx.caller?.role ?? null, "operator"),
      admin: atLeast(ctx.caller?.role ?? null, "admin"),
      agent: true,
    }),
    authorizeOnSubscribe: true,
    unauthorizedError: () =>
      new GraphQLError("The bearer's role does not allow this.", {
        extensions: { code: "FORBIDDEN", http: { status: 403 } },
      }),
  },
  prisma: {
    client: (ctx) => ctx.domain.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    onUnusedQuery: null,
  },
});

/** The builder's type parameters, for helpers that build arguments outside a field. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

builder.addScalarType("DateTime", DateTimeResolver);
builder.addScalarType("JSON", JSONResolver);
builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
