import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSchema, findBreakingChanges } from "graphql";
import { describe, expect, it } from "vitest";
import { printSortedSchema, schema } from "../../src/schema/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// The contract clients are written against lives beside the repository (shared/), in CI as here.
const contractFile = path.resolve(repoRoot, "../shared/contract.graphql");

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

  it("matches the committed schema.graphql snapshot", () => {
    const committed = readFileSync(path.join(repoRoot, "schema.graphql"), "utf8");
    expect(committed, "schema.graphql is out of date: run `npm run schema:print` and commit it").toBe(
      `${printSortedSchema()}\n`,
    );
  });
});
