import { GraphQLError } from "graphql";
import { offeredModels } from "../registry/offered.js";
import { builder } from "./builder.js";

const Runtime = builder.objectRef<{ name: string; defaultModel: string | null }>("Runtime").implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    defaultModel: t.exposeString("defaultModel", { nullable: true }),
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
    fields: (t) => ({
      model: t.exposeString("model"),
      provider: t.exposeString("provider"),
      platformBilled: t.exposeBoolean("platformBilled"),
      authEnv: t.stringList({ resolve: (m) => [...m.authEnv] }),
      credentialSatisfied: t.exposeBoolean("credentialSatisfied"),
    }),
  });

builder.queryFields((t) => ({
  runtimes: t.field({
    authScopes: { viewer: true },
    type: [Runtime],
    resolve: (_, __, ctx) => [...ctx.domain.registry.runtimes.values()],
  }),
  offeredModels: t.field({
    authScopes: { viewer: true },
    type: [OfferedModel],
    args: { runtime: t.arg.string() },
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
