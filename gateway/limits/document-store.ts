// Apollo Server's store of parsed and validated documents (the `documentStore` option), bounded
// by what the documents take in the heap.
//
// Apollo's default store is an InMemoryLRUCache of 30 MiB that weighs a document by its JSON,
// and a document's JSON leaves out the token list the parser keeps beside the AST (each node's
// location points into it): a document at the 2,000-token cap weighs about 140 kB there and
// takes about 550 kB of heap (measured on graphql 16), so the default could keep some 115 MiB.
// This store counts the tokens instead (about 290 bytes each, AST nodes and locations
// included, rounded up to 300) plus the source text, and keeps 16 MiB by that measure: a few
// hundred operations of the usual size, 25 or so at the token cap. Apollo does not export its
// InMemoryLRUCache (@apollo/utils.keyvaluecache is not a dependency of ours), so the store is
// the gateway's own LRU, behind the DocumentStore interface Apollo does export.
import type { DocumentStore } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { BoundedCache, type BoundedCacheStats } from '../../lib/bounded-cache.js';
import { assertLimit } from './limit-error.js';

export const DEFAULT_DOCUMENT_STORE_BYTES = 16 * 2 ** 20;
export const DEFAULT_DOCUMENT_STORE_ENTRIES = 2_000;

/** Heap bytes a parsed document takes per token of its text (tokens, nodes, locations). */
const BYTES_PER_TOKEN = 300;

/** What a parsed document takes in the heap, estimated from its tokens and its text. */
export function documentBytes(document: DocumentNode): number {
  const { loc } = document;
  // Parsed without locations: no token list, and the JSON is then a fair measure.
  if (!loc) return Buffer.byteLength(JSON.stringify(document));
  let tokens = 0;
  for (let token = loc.startToken.next; token; token = token.next) tokens += 1;
  return tokens * BYTES_PER_TOKEN + 2 * loc.source.body.length;
}

export interface DocumentStoreOptions {
  /** Estimated heap bytes of the documents kept, keys included. Default 16 MiB. */
  maxBytes?: number;
  /** Documents kept. Default 2,000. */
  maxEntries?: number;
}

export interface BoundedDocumentStore extends DocumentStore {
  stats(): BoundedCacheStats;
}

/** A document store for `new ApolloServer({ documentStore })`, least recently used dropped. */
export function boundedDocumentStore(options: DocumentStoreOptions = {}): BoundedDocumentStore {
  const cache = new BoundedCache<DocumentNode>({
    maxBytes: assertLimit('maxBytes', options.maxBytes ?? DEFAULT_DOCUMENT_STORE_BYTES),
    maxEntries: assertLimit('maxEntries', options.maxEntries ?? DEFAULT_DOCUMENT_STORE_ENTRIES),
  });
  return {
    get: (key) => Promise.resolve(cache.get(key)),
    set(key, document) {
      cache.set(key, document, documentBytes(document));
      return Promise.resolve();
    },
    delete(key) {
      cache.delete(key);
      return Promise.resolve(true);
    },
    stats: () => cache.stats(),
  };
}
