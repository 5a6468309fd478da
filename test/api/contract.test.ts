import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildSchema,
  findBreakingChanges,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { printSortedSchema, schema } from "../../src/schema/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// The contract clients are written against lives beside the repository (shared/), in CI as here;
// CONTRACT_FILE names it from a checkout elsewhere (a git worktree).
const contractFile = process.env.CONTRACT_FILE ?? path.resolve(repoRoot, "../shared/contract.graphql");

function readContract(): string {
  if (!existsSync(contractFile)) {
    throw new Error(
      `The API contract is missing: expected ${contractFile} (shared/contract.graphql beside the repository).`,
    );
  }
  return readFileSync(contractFile, "utf8");
}

describe("the served schema", () => {
  it("breaks nothing in the contract clients are written against", () => {
    const changes = findBreakingChanges(buildSchema(readContract()), schema);
    expect(
      changes.map((c) => `${c.type}: ${c.description}`),
      "the served schema breaks contract.graphql",
    ).toEqual([]);
  });

  it("serves every description the contract gives, word for word, at the same place", () => {
    const contract = buildSchema(readContract());
    const expected = describedCoordinates(contract);
    // The contract's opening text precedes `scalar DateTime`, so SDL's grammar
    // gives it to that scalar: it is served as the schema's own description.
    const header = expected.get("DateTime");
    expected.delete("DateTime");
    expect(schema.description).toBe(header);
    expect(expected.size).toBeGreaterThan(40);
    const served = describedCoordinates(schema);
    const missing = [...expected].filter(([at, text]) => served.get(at) !== text).map(([at]) => at);
    expect(missing, "descriptions of contract.graphql not served as written").toEqual([]);
  });

  it("describes every type, field, argument and enum value it adds to the contract", () => {
    const contract = buildSchema(readContract());
    const undocumented = [...coordinates(schema)].filter(
      ([at, text]) => !text && !coordinates(contract).has(at) && !at.startsWith("__"),
    );
    expect(undocumented.map(([at]) => at)).toEqual([]);
  });

  it("matches the committed schema.graphql snapshot", () => {
    const committed = readFileSync(path.join(repoRoot, "schema.graphql"), "utf8");
    expect(committed, "schema.graphql is out of date: run `npm run schema:print` and commit it").toBe(
      `${printSortedSchema()}\n`,
    );
  });
});

const BUILT_IN = new Set(["String", "Int", "Float", "Boolean", "ID"]);

/** Every schema coordinate (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) with its description. */
function coordinates(s: GraphQLSchema): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const type of Object.values(s.getTypeMap())) {
    if (type.name.startsWith("__") || BUILT_IN.has(type.name)) continue;
    out.set(type.name, type.description ?? undefined);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        out.set(`${type.name}.${field.name}`, field.description ?? undefined);
        for (const arg of "args" in field ? field.args : []) {
          out.set(`${type.name}.${field.name}(${arg.name}:)`, arg.description ?? undefined);
        }
      }
    }
    if (isEnumType(type))
      for (const v of type.getValues()) out.set(`${type.name}.${v.name}`, v.description ?? undefined);
  }
  return out;
}

const describedCoordinates = (s: GraphQLSchema) =>
  new Map([...coordinates(s)].filter((e): e is [string, string] => typeof e[1] === "string"));
