import { lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "./builder.js";
import "./errors.js";
import "./enums.js";
import "./workspaces.js";
import "./secrets.js";
import "./registry.js";
import "./events.js";
import "./agents.js";
import "./provisioning.js";

export const schema = builder.toSchema();

/** The committed snapshot: sorted, so every API change shows in review. */
export const printSortedSchema = () => printSchema(lexicographicSortSchema(schema));
