import { builder } from "./builder.js";

/** Relay's PageInfo, shared by every connection of the schema. */
export const PageInfo = builder
  .objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>(
    "PageInfo",
  )
  .implement({
    description: "Where a page of a connection lies in the whole list.",
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage", { description: "More items follow this page." }),
      hasPreviousPage: t.exposeBoolean("hasPreviousPage", { description: "Items come before this page." }),
      startCursor: t.exposeString("startCursor", {
        nullable: true,
        description: "The first edge's cursor; null on an empty page.",
      }),
      endCursor: t.exposeString("endCursor", {
        nullable: true,
        description: "The last edge's cursor; null on an empty page.",
      }),
    }),
  });
