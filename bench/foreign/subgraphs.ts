// The four subgraphs of the public federation gateway benchmark (accounts, inventory, products,
// reviews), written with @apollo/subgraph + @apollo/server so that this gateway can be measured
// on a graph nobody here wrote. Schema and resolvers follow graphql-hive/graphql-gateways-benchmark
// (federation/subgraphs/*/subgraph.rs at commit 0075949, and the supergraph it composes,
// federation/gateways/hive-gateway/supergraph.graphql), field for field; the data is in
// ./data.ts. Behaviour kept as published, however odd, because the benchmark's traffic depends
// on it:
//  - every review's author is user 1, with its username provided by this subgraph (@provides);
//  - every user's `reviews` (reviews subgraph) are the first two reviews, whoever the user;
//  - `topProducts(first: Int = 5)` is the first `first` products.
// One difference: the original inventory computes `shippingEstimate` from its own copy of the
// product, whose price and weight are always empty, so it answers null everywhere; here the
// estimate is computed from the price and weight the gateway sends (@requires), as the field
// intends. The gateway traffic is the same either way.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse } from 'graphql';
import { PRODUCTS, REVIEWS, STOCK, USERS, type Product, type Review } from './data.js';

export const FOREIGN_SUBGRAPHS = ['accounts', 'inventory', 'products', 'reviews'] as const;
export type ForeignSubgraphName = (typeof FOREIGN_SUBGRAPHS)[number];

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3"';

export const FOREIGN_TYPE_DEFS: Readonly<Record<ForeignSubgraphName, string>> = Object.freeze({
  // @shareable: Federation 2 wants it on a field another subgraph @provides (the original's
  // subgraphs are Federation 1 style, where every field is shareable).
  accounts: `${LINK}, import: ["@key", "@shareable"])
    type Query {
      me: User
      user(id: ID!): User
      users: [User]
    }
    type User @key(fields: "id") {
      id: ID!
      name: String
      username: String @shareable
      birthday: Int
    }`,
  inventory: `${LINK}, import: ["@key", "@external", "@requires"])
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  products: `${LINK}, import: ["@key"])
    type Query {
      topProducts(first: Int = 5): [Product]
    }
    type Product @key(fields: "upc") {
      upc: String!
      name: String
      price: Int
      weight: Int
    }`,
  reviews: `${LINK}, import: ["@key", "@external", "@provides"])
    type Review @key(fields: "id") {
      id: ID!
      body: String
      product: Product
      author: User @provides(fields: "username")
    }
    type User @key(fields: "id") {
      id: ID!
      username: String @external
      reviews: [Review]
    }
    type Product @key(fields: "upc") {
      upc: String!
      reviews: [Review]
    }`,
});

// Entity references are answered with copies: @apollo/subgraph sets `__typename` on them, and
// the rows of ./data.ts are frozen.
const copy = <T extends object>(row: T | undefined): T | null => (row ? { ...row } : null);
const byKey = <T, K extends keyof T>(rows: readonly T[], key: K): Map<T[K], T> =>
  new Map(rows.map((row) => [row[key], row]));
const usersById = byKey(USERS, 'id');
const productsByUpc = byKey(PRODUCTS, 'upc');
const stockByUpc = byKey(STOCK, 'upc');
const reviewsById = byKey(REVIEWS, 'id');
const reviewsOf = (upc: string): Review[] => REVIEWS.filter((r) => r.productUpc === upc);

/** What the reviews subgraph answers for a review's author: user 1, username provided. */
const AUTHOR = { id: '1', username: USERS[0]?.username ?? null };

const RESOLVERS: Readonly<Record<ForeignSubgraphName, GraphQLResolverMap<unknown>>> = {
  accounts: {
    Query: {
      me: () => USERS[0],
      user: (_: unknown, { id }: { id: string }) => usersById.get(id) ?? null,
      users: () => USERS,
    },
    User: {
      __resolveReference: ({ id }: { id: string }) => copy(usersById.get(id)),
    },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: { upc: string; price?: number | null; weight?: number | null }) => {
        const stock = stockByUpc.get(ref.upc);
        return stock ? { ...stock, price: ref.price ?? null, weight: ref.weight ?? null } : null;
      },
      shippingEstimate: ({ price, weight }: { price: number | null; weight: number | null }) => {
        if (price === null) return null;
        if (price > 1000) return 0;
        return weight === null ? null : Math.trunc(weight / 2);
      },
    },
  },
  products: {
    Query: {
      topProducts: (_: unknown, { first }: { first: number | null }) =>
        PRODUCTS.slice(0, Math.max(0, first ?? 5)),
    },
    Product: {
      __resolveReference: ({ upc }: { upc: string }) => copy(productsByUpc.get(upc)),
    },
  },
  reviews: {
    Review: {
      __resolveReference: ({ id }: { id: string }) => copy(reviewsById.get(id)),
      product: (review: Review) => ({ upc: review.productUpc }),
      author: () => AUTHOR,
    },
    User: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      reviews: () => REVIEWS.slice(0, 2),
    },
    Product: {
      __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
      reviews: (product: Pick<Product, 'upc'>) => reviewsOf(product.upc),
    },
  },
};

export interface ForeignSubgraphOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Milliseconds each GraphQL request waits before it is executed (the benchmark's SUBGRAPH_DELAY_MS). */
  delayMs?: number;
}

export interface RunningForeignSubgraph {
  name: ForeignSubgraphName;
  url: string;
  /** GraphQL requests served since start (or since the last `resetRequests`). */
  requests(): number;
  resetRequests(): void;
  setDelay(ms: number): void;
  stop(): Promise<void>;
}

/** Starts one of the four subgraphs with Apollo Server's defaults, on `/` and any path. */
export async function createForeignSubgraph(
  name: ForeignSubgraphName,
  options: ForeignSubgraphOptions = {},
): Promise<RunningForeignSubgraph> {
  let requests = 0;
  let delayMs = options.delayMs ?? 0;
  const counterAndDelay: ApolloServerPlugin = {
    async requestDidStart() {
      requests += 1;
      if (delayMs > 0) await sleep(delayMs);
    },
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: parse(FOREIGN_TYPE_DEFS[name]),
      resolvers: RESOLVERS[name],
    }),
    plugins: [counterAndDelay],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: options.port ?? 0, host: options.host ?? '127.0.0.1' },
  });
  return {
    name,
    url: `${url.replace(/\/$/, '')}/graphql`,
    requests: () => requests,
    resetRequests: () => {
      requests = 0;
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    stop: () => server.stop(),
  };
}
