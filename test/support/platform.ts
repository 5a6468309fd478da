import { expectSuccess, gql, ok } from "./gql.js";
import type { TestApp } from "./harness.js";
import { RemoveWorkspace } from "./operations.js";

/** Removes every live platform agent, through the API: only one may exist, so tests of it start with none. */
export async function removeLivePlatformAgents(t: TestApp) {
  const live = await t.app.domain.prisma.workspace.findMany({
    where: { kind: "PLATFORM", status: { not: "REMOVED" } },
    select: { id: true },
  });
  for (const { id } of live)
    expectSuccess(ok(await gql(t, RemoveWorkspace, { id })).removeWorkspace, "WorkspaceSuccess");
}
