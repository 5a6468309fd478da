import { GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "./builder.js";
import "./errors.js";
import "./enums.js";
import "./pagination.js";
import "./workspaces.js";
import "./secrets.js";
import "./registry.js";
import "./events.js";
import "./agents.js";
import "./actors.js";
import "./tokens.js";
import "./provisioning.js";

/**
 * The contract opens with a description of the whole API. In SDL a
 * description belongs to the definition that follows it, so the contract's
 * grammar gives it to `scalar DateTime`; it is served as the schema's own.
 */
const SCHEMA_DESCRIPTION = `The public API contract of the workspace control plane.

Canvas frontends and agent runtimes are written against this file. The
server's schema must contain every type, field, argument, union member and
enum value below with the same types (graphql-js \`findBreakingChanges\`
between this file and the server's schema must report nothing). The server
may add more. SPEC.md beside this file gives the behaviour behind each field.`;

export const schema = new GraphQLSchema({ ...builder.toSchema().toConfig(), description: SCHEMA_DESCRIPTION });

/** The committed snapshot: sorted, so every API change shows in review. */
export const printSortedSchema = () => printSchema(lexicographicSortSchema(schema));
