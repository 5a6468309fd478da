import type { Actor as ActorValue } from "../auth/actor.js";
import { builder } from "./builder.js";

export const ActorKind = builder.enumType("ActorKind", {
  description: "What kind of party caused a change.",
  values: {
    API_TOKEN: { description: "A person or program holding an API token (ADMIN_TOKEN is one, labelled `env`)." },
    USER: { description: "A canvas user signed in with a JWT." },
    AGENT: { description: "A workspace's agent runtime, with its instance token." },
    SYSTEM: { description: "The control plane itself: sweeps, start-up, provision checks, the provisioner." },
  } as const,
});

export const Actor = builder.objectRef<ActorValue>("Actor").implement({
  description: "Who caused a change: recorded with every event and every secret set.",
  fields: (t) => ({
    kind: t.field({ type: ActorKind, description: "What kind of party it is.", resolve: (a) => a.kind }),
    id: t.exposeString("id", {
      nullable: true,
      description:
        "API_TOKEN: the token's id (see `apiTokens`). USER: the JWT subject (`sub`). AGENT: the workspace id. SYSTEM: null.",
    }),
    label: t.exposeString("label", {
      nullable: true,
      description:
        "API_TOKEN: the token's label. SYSTEM: the component (`sweeps`, `provision checks`...). Otherwise null.",
    }),
  }),
});
