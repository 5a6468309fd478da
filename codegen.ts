import type { CodegenConfig } from "@graphql-codegen/cli";

// Typed documents for the tests and for client code (src/client), generated
// from the committed schema snapshot so codegen needs no running server.
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["test/**/*.ts", "src/client/**/*.ts", "bench/**/*.ts", "!src/client/gql/**", "!test/gql/**"],
  ignoreNoDocuments: true,
  // NodeNext resolution needs explicit .js extensions in the generated imports.
  emitLegacyCommonJSImports: false,
  generates: {
    "src/client/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string", JSON: "unknown", ID: "string" },
        documentMode: "string",
      },
    },
  },
};

export default config;
