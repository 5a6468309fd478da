import { GraphQLError } from "graphql";
import { offeredModels } from "../gate/offered-models.js";
import {
  type Provider as ProviderEntry,
  providerDisplayName,
  type Runtime as RuntimeEntry,
} from "../registry/registry.js";
import { builder } from "./builder.js";

const Provider = builder.objectRef<ProviderEntry>("Provider").implement({
  description: "A model provider of the registry: who serves a model, and which secret names it accepts.",
  fields: (t) => ({
    name: t.exposeString("name", {
      description: "The provider's id, as `Workspace.provider` and `OfferedModel.provider` give it.",
    }),
    displayName: t.exposeString("displayName", { description: "The provider's name for people." }),
    platform: t.exposeBoolean("platform", {
      description: "Whether models it serves are platform-billed (need no key). At most one provider is.",
    }),
    authEnv: t.stringList({
      description: "Secret names it accepts; any one of them, at workspace or org scope, is a credential for it.",
      resolve: (p) => [...p.authEnv],
    }),
  }),
});

const Runtime = builder.objectRef<RuntimeEntry>("Runtime").implement({
  description: "An agent runtime of the registry.",
  fields: (t) => ({
    name: t.exposeString("name", { description: "The runtime's id, as `Workspace.runtime` gives it." }),
    displayName: t.exposeString("displayName", {
      description:
        "The runtime's name for people: the registry's `displayName` when it gives one, else derived from the name (`claude-code`: Claude Code).",
    }),
    defaultModel: t.exposeString("defaultModel", {
      nullable: true,
      description: "The model a workspace gets when none is given.",
    }),
    providers: t.field({
      type: [Provider],
      description: "Its native provider arms, in the order the derivation tries them.",
      resolve: (r) => r.arms.map((a) => a.provider),
    }),
  }),
});

const OfferedModel = builder
  .objectRef<{
    model: string;
    provider: string;
    platformBilled: boolean;
    authEnv: readonly string[];
    credentialSatisfied: boolean;
  }>("OfferedModel")
  .implement({
    description: "A model a runtime offers, judged as createWorkspace with no workspace secrets would judge it.",
    fields: (t) => ({
      model: t.exposeString("model", { description: "The model id, as createWorkspace takes it." }),
      provider: t.exposeString("provider", { description: "The provider the credential gate settles on." }),
      providerDisplayName: t.string({
        description: "That provider's name for people.",
        resolve: (m, _, ctx) => providerDisplayName(ctx.domain.registry, m.provider),
      }),
      platformBilled: t.exposeBoolean("platformBilled", { description: "Billed by the platform: needs no key." }),
      authEnv: t.stringList({
        description: "Secret names the provider accepts; empty for platform-billed models.",
        resolve: (m) => [...m.authEnv],
      }),
      credentialSatisfied: t.exposeBoolean("credentialSatisfied", {
        description:
          "Whether createWorkspace with this model and no workspace secrets would pass the credential gate right now.",
      }),
    }),
  });

builder.queryFields((t) => ({
  runtimes: t.field({
    authScopes: { viewer: true },
    type: [Runtime],
    description: "The registry's runtimes, in the order it declares them.",
    resolve: (_, __, ctx) => [...ctx.domain.registry.runtimes.values()],
  }),
  providers: t.field({
    authScopes: { viewer: true },
    type: [Provider],
    description: "The registry's providers, in the order it declares them.",
    resolve: (_, __, ctx) => [...ctx.domain.registry.providers.values()],
  }),
  offeredModels: t.field({
    authScopes: { viewer: true },
    type: [OfferedModel],
    description:
      "Omitted runtime: the registry's default runtime. Derived through the same derivation the create gate enforces.",
    args: { runtime: t.arg.string({ description: "A runtime's name; omitted: the registry's default runtime." }) },
    resolve: async (_, args, ctx) => {
      const { registry, secrets } = ctx.domain;
      const runtime = args.runtime ?? registry.defaultRuntime;
      const offered = await offeredModels(registry, runtime, secrets.orgSecretNames());
      if (!offered) {
        throw new GraphQLError(`Runtime ${runtime.slice(0, 256)} is not in the model registry.`, {
          extensions: { code: "RUNTIME_UNSUPPORTED" },
        });
      }
      return offered;
    },
  }),
}));
