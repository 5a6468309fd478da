import { Prisma } from "../generated/prisma/client.js";

/**
 * Every column of a Workspace row, named and qualified by the alias `w`, as
 * the raw statements that answer rows Prisma would (heartbeat, register,
 * the canvas list) select or return them. Named, not `w.*`: a column that a
 * later migration adds under a running instance leaves a prepared
 * statement's result as it was instead of failing it.
 */
export const WORKSPACE_COLUMNS = Object.values(Prisma.WorkspaceScalarFieldEnum)
  .map((c) => `w."${c}"`)
  .join(", ");
