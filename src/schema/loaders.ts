import DataLoader from "dataloader";
import type { Domain } from "../domain.js";

export type SecretKeyRow = { key: string; updatedAt: Date; updatedBy: unknown };

/** Per-request batchers: one query for the secrets of every workspace in an answer. */
export function createLoaders(domain: Domain) {
  return {
    secretsByWorkspace: new DataLoader<string, SecretKeyRow[]>(async (ids) => {
      const byWorkspace = await domain.secrets.listSecretsOfWorkspaces(ids);
      return ids.map((id) => byWorkspace.get(id) ?? []);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
