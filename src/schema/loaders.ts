import DataLoader from "dataloader";
import type { Domain } from "../domain.js";

export type SecretKeyRow = { key: string; updatedAt: Date; updatedBy: unknown };

/** Per-request batchers: one query for the secrets of every workspace in an answer. */
export function createLoaders(domain: Domain) {
  return {
    secretsByWorkspace: new DataLoader<string, SecretKeyRow[]>(async (ids) => {
      const rows = await domain.prisma.workspaceSecret.findMany({
        where: { workspaceId: { in: [...ids] } },
        select: { workspaceId: true, key: true, updatedAt: true, updatedBy: true },
        orderBy: { key: "asc" },
      });
      const byId = new Map<string, SecretKeyRow[]>(ids.map((id) => [id, []]));
      for (const { workspaceId, ...row } of rows) byId.get(workspaceId)?.push(row);
      return ids.map((id) => byId.get(id) ?? []);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
