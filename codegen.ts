import type { CodegenConfig } from "@graphql-codegen/cli";

// Typed documents, generated from the committed schema snapshot so codegen
// needs no running server. Two targets, so the agent client (a package of
// its own, src/client) ships its own operations and nothing of the tests'.
const shared = {
  preset: "client",
  presetConfig: { fragmentMasking: false },
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    scalars: { DateTime: "string", JSON: "unknown", ID: "string" },
    documentMode: "string",
  },
} as const;

const config: CodegenConfig = {
  schema: "schema.graphql",
  ignoreNoDocuments: true,
  // NodeNext resolution needs explicit .js extensions in the generated imports.
  emitLegacyCommonJSImports: false,
  generates: {
    "src/client/gql/": { ...shared, documents: ["src/client/*.ts"] },
    "test/gql/": { ...shared, documents: ["test/**/*.ts", "bench/**/*.ts", "!test/gql/**"] },
  },
};

export default config;
