import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { MaxTokensParserWLexer } from "@escape.tech/graphql-armor-max-tokens";
import { GraphQLError, type ParseOptions, type Source, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Bounds on a GraphQL document (SPEC section 8). Our own deepest operation
 * nests 7 levels and the schema has no cycles; introspection (`__schema`) is
 * left to graphql-js's own MaxIntrospectionDepthRule, so GraphiQL and codegen
 * keep working. Cost counts a literal `first: N` as N items: a page of 100
 * workspaces with every field costs about 22,000. The token limit also
 * bounds nesting, which graphql-js parses by recursion.
 */
export const QUERY_LIMITS = {
  maxTokens: 1_000,
  maxDepth: 12,
  maxAliases: 20,
  maxDirectives: 50,
  maxCost: 50_000,
} as const;

// Report a rejection as an ordinary validation error (GRAPHQL_VALIDATION_FAILED,
// with every other error found) instead of throwing out of validate().
const asValidationError = {
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(err)],
};

/**
 * graphql-armor's token-counting parser. graphql-js parses nested lists and
 * selections by recursion: should a document still exhaust the stack before
 * the limit stops it, that is the client's syntax error, not a 500.
 */
export function parseWithTokenLimit(source: string | Source, n: number, options?: ParseOptions) {
  try {
    return new MaxTokensParserWLexer(source, { ...options, n }).parseDocument();
  } catch (err) {
    if (err instanceof RangeError) throw new GraphQLError("Syntax Error: The document nests too deeply.");
    throw err;
  }
}

function useTokenLimit(n: number): Plugin {
  const parse = (source: string | Source, options?: ParseOptions) => parseWithTokenLimit(source, n, options);
  return { onParse: ({ setParseFn }) => setParseFn(parse) };
}

/** The document limits as envelop plugins, for createYoga's plugin list. */
export function useQueryLimits(limits = QUERY_LIMITS): Plugin[] {
  return [
    useTokenLimit(limits.maxTokens),
    maxDepthPlugin({ n: limits.maxDepth, ...asValidationError }),
    maxAliasesPlugin({ n: limits.maxAliases, ...asValidationError }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...asValidationError }),
    costLimitPlugin({ maxCost: limits.maxCost, ...asValidationError }),
  ] as Plugin[];
}
