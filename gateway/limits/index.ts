// The gateway's limits on what one request may ask (SECURITY.md "Limits"): the public
// surface of this folder. Each concern is a small validation rule or plugin factory with
// documented defaults; gateway/index.ts wires them, gateway/config.ts reads them from the
// environment.
import { DEFAULT_MAX_COST } from './cost.js';
import { DEFAULT_MAX_LIST_SIZE } from './list-size.js';
import { DEFAULT_MAX_ALIASES } from './max-aliases.js';
import { DEFAULT_MAX_DEPTH } from './max-depth.js';
import { DEFAULT_MAX_DIRECTIVES } from './max-directives.js';
import { DEFAULT_MAX_FIELDS } from './max-fields.js';
import { DEFAULT_MAX_ROOT_FIELDS } from './max-root-fields.js';
import { DEFAULT_RATE_BURST, DEFAULT_RATE_PER_SECOND } from './rate-limit.js';
import { DEFAULT_MAX_RESULT_SIZE } from './result-size.js';

export {
  costLimitPlugin,
  createCostEstimator,
  type CostEstimate,
  type CostEstimator,
} from './cost.js';
export { clipMessage } from './clip.js';
export {
  boundedDocumentStore,
  DEFAULT_DOCUMENT_STORE_BYTES,
  DEFAULT_DOCUMENT_STORE_ENTRIES,
  documentBytes,
} from './document-store.js';
export {
  DEFAULT_MAX_TOKEN_LENGTH,
  documentLimitsPlugin,
  longestToken,
  tokenLengthError,
} from './document-limits.js';
export { listSizePlugin } from './list-size.js';
export { maxAliasesRule } from './max-aliases.js';
export { maxDepthRule } from './max-depth.js';
export { maxDirectivesRule } from './max-directives.js';
export { maxFieldsRule } from './max-fields.js';
export { maxRootFieldsRule } from './max-root-fields.js';
export { schemaDisclosurePlugin, withoutSuggestions } from './introspection.js';
export {
  createMemoryRateLimitStore,
  rateLimitedError,
  rateLimitKey,
  type RateLimitDecision,
  type RateLimitStore,
} from './rate-limit.js';
export {
  createResultSizeEstimator,
  DEFAULT_LIST_SIZE,
  DEFAULT_MAX_RESULT_SIZE,
  estimateResultSize,
  readListSizes,
  registeredResultSizeCheck,
  resultSizeError,
  resultSizePlugin,
  type ListSize,
  type ListSizes,
  type ResultSizeEstimator,
} from './result-size.js';
export {
  COST_MODEL,
  estimateOperationFloor,
  estimatePlanCost,
  compilePlan,
  type CostModel,
} from './query-cost.js';

export interface Limits {
  /** Lexical tokens in a document, refused by the parser (400 GRAPHQL_PARSE_FAILED). */
  maxTokens: number;
  /**
   * Longest string, name or number in a document, in source characters (400
   * GRAPHQL_PARSE_FAILED). Optional: default DEFAULT_MAX_TOKEN_LENGTH (8,192).
   */
  maxTokenLength?: number;
  /** Field nesting, through fragments. */
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  /** Field selections once fragments are expanded. */
  maxFields: number;
  /** `first` and the length of list arguments. */
  maxListSize: number;
  /** Size of the JSON `variables` of one request (413 PAYLOAD_TOO_LARGE). */
  maxVariablesBytes: number;
  /** Estimated upstream requests of one operation. */
  maxCost: number;
  /**
   * Estimated objects and list items of one operation's result, from the supergraph's
   * `@listSize` (400 COST_LIMIT_EXCEEDED).
   */
  maxResultSize: number;
  /**
   * Size the result-size estimate assumes for a list without `@listSize`. Optional: default
   * DEFAULT_LIST_SIZE (10).
   */
  defaultListSize?: number;
  /** Requests per principal: sustained rate and burst. */
  rateLimit: { perSecond: number; burst: number };
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxTokens: 2_000,
  maxDepth: DEFAULT_MAX_DEPTH,
  maxAliases: DEFAULT_MAX_ALIASES,
  maxRootFields: DEFAULT_MAX_ROOT_FIELDS,
  maxDirectives: DEFAULT_MAX_DIRECTIVES,
  maxFields: DEFAULT_MAX_FIELDS,
  maxListSize: DEFAULT_MAX_LIST_SIZE,
  maxVariablesBytes: 100_000,
  maxCost: DEFAULT_MAX_COST,
  maxResultSize: DEFAULT_MAX_RESULT_SIZE,
  rateLimit: Object.freeze({ perSecond: DEFAULT_RATE_PER_SECOND, burst: DEFAULT_RATE_BURST }),
});
