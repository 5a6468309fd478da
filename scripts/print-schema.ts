// Writes schema.graphql, the sorted snapshot of the served schema (`--check`: fails if it differs).
import { readFileSync, writeFileSync } from "node:fs";
import { printSortedSchema } from "../src/schema/index.js";

const printed = `${printSortedSchema()}\n`;
if (process.argv.includes("--check")) {
  const committed = readFileSync("schema.graphql", "utf8");
  if (committed !== printed) {
    process.stderr.write("schema.graphql is out of date: run npm run schema:print and commit it.\n");
    process.exit(1);
  }
} else {
  writeFileSync("schema.graphql", printed);
}
