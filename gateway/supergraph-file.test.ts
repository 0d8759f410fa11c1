import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/env.js';
import { projectPath } from '../lib/project-files.js';
import { readSubgraphUrls } from './config.js';
import { COST_MODEL, createCostEstimator } from './limits/index.js';
import {
  checkSupergraph,
  costModelFor,
  readSupergraphFile,
  resolveSubgraphUrls,
  subgraphEnvName,
  SupergraphFileError,
} from './supergraph-file.js';

const FOREIGN = 'bench/foreign/supergraph.graphql';

/** The smallest Federation 1 supergraph: `@core` and join v0.1, as Federation 1 composed them. */
const FEDERATION_1 = `
schema
  @core(feature: "https://specs.apollo.dev/core/v0.2")
  @core(feature: "https://specs.apollo.dev/join/v0.1", for: EXECUTION) {
  query: Query
}
directive @core(as: String, feature: String!, for: core__Purpose) repeatable on SCHEMA
directive @join__field(graph: join__Graph, provides: join__FieldSet, requires: join__FieldSet) on FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__owner(graph: join__Graph!) on INTERFACE | OBJECT
directive @join__type(graph: join__Graph!, key: join__FieldSet) repeatable on INTERFACE | OBJECT
enum core__Purpose { EXECUTION SECURITY }
scalar join__FieldSet
enum join__Graph { A @join__graph(name: "a", url: "http://a.example/graphql") }
type Query { hello: String @join__field(graph: A) }
`;

describe('readSubgraphUrls (SUBGRAPH_URL_<NAME> and our four aliases)', () => {
  it('overrides nothing when no variable is set: the supergraph says where', () => {
    expect(readSubgraphUrls({})).toEqual({});
  });

  it('reads SUBGRAPH_URL_<NAME> for any name, upper-cased, trailing slashes dropped', () => {
    expect(
      readSubgraphUrls({
        SUBGRAPH_URL_REVIEWS: 'http://10.0.0.5:4004/graphql/',
        SUBGRAPH_URL_inventory_v2: 'https://inventory.example/graphql',
        SUBGRAPH_URL_EMPTY: '',
        OTHER: 'http://ignored',
      }),
    ).toEqual({
      REVIEWS: 'http://10.0.0.5:4004/graphql',
      INVENTORY_V2: 'https://inventory.example/graphql',
    });
  });

  it('keeps DESKS_SUBGRAPH_URL ... as aliases of SUBGRAPH_URL_DESKS ...', () => {
    expect(
      readSubgraphUrls({
        DESKS_SUBGRAPH_URL: 'http://desks:4001/graphql',
        WORKERS_SUBGRAPH_URL: 'http://workers:4002/graphql',
        EMPLOYERS_SUBGRAPH_URL: 'http://employers:4003/graphql',
        TRAINING_SUBGRAPH_URL: 'http://training:4004/graphql',
        SUBGRAPH_URL_DESKS: 'http://desks:4001/graphql',
      }),
    ).toEqual({
      DESKS: 'http://desks:4001/graphql',
      WORKERS: 'http://workers:4002/graphql',
      EMPLOYERS: 'http://employers:4003/graphql',
      TRAINING: 'http://training:4004/graphql',
    });
  });

  it('refuses an alias and a SUBGRAPH_URL_ that disagree, naming both variables', () => {
    expect(() =>
      readSubgraphUrls({
        DESKS_SUBGRAPH_URL: 'http://a:4001/graphql',
        SUBGRAPH_URL_DESKS: 'http://b:4001/graphql',
      }),
    ).toThrow(
      new ConfigError(
        'SUBGRAPH_URL_DESKS',
        'http://b:4001/graphql',
        'the same URL as DESKS_SUBGRAPH_URL, or only one of the two',
      ),
    );
  });

  it('refuses a value that is not an http(s) URL, naming the variable', () => {
    expect(() => readSubgraphUrls({ SUBGRAPH_URL_ACCOUNTS: 'ftp://accounts' })).toThrow(
      'SUBGRAPH_URL_ACCOUNTS="ftp://accounts" is not valid: expected an http(s) URL',
    );
    expect(() => readSubgraphUrls({ 'SUBGRAPH_URL_A-B': 'http://a' })).toThrow(
      /SUBGRAPH_URL_A-B="http:\/\/a" is not valid: expected a variable named SUBGRAPH_URL_<NAME>/,
    );
  });
});

describe('subgraphEnvName', () => {
  it('upper-cases the name and turns anything but letters and digits into _', () => {
    expect(subgraphEnvName('reviews')).toBe('REVIEWS');
    expect(subgraphEnvName('reviews-v2.eu')).toBe('REVIEWS_V2_EU');
  });
});

describe('checkSupergraph', () => {
  it("lists a foreign supergraph's subgraphs with the URLs the file gives", () => {
    const file = readSupergraphFile(FOREIGN);
    expect(Object.fromEntries(file.subgraphs)).toEqual({
      accounts: 'http://localhost:4001/graphql',
      inventory: 'http://localhost:4002/graphql',
      products: 'http://localhost:4003/graphql',
      reviews: 'http://localhost:4004/graphql',
    });
    expect(file.isProjectGraph).toBe(false);
  });

  it("knows this project's own graph, and loads it without the policy links' purpose", () => {
    const file = readSupergraphFile('schema/supergraph.graphql');
    expect([...file.subgraphs.keys()].sort()).toEqual([
      'desks',
      'employers',
      'training',
      'workers',
    ]);
    expect(file.isProjectGraph).toBe(true);
    const requiresScopes = '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1"';
    expect(file.sdl).toContain(`${requiresScopes}, for: SECURITY)`);
    expect(file.executableSdl).toContain(`${requiresScopes})`);
  });

  it('refuses, with the reason, what is not a Federation 2 supergraph', () => {
    expect(() => checkSupergraph('type Query {', 'broken.graphql')).toThrow(
      'SUPERGRAPH_PATH="broken.graphql" cannot be served: it is not GraphQL SDL (Syntax Error: Expected Name, found <EOF>.)',
    );
    expect(() => checkSupergraph('type Query { hello: String }', 'plain.graphql')).toThrow(
      'SUPERGRAPH_PATH="plain.graphql" cannot be served: it links no join spec (https://specs.apollo.dev/join): a subgraph or a plain schema, not a composed supergraph; compose one with rover or @apollo/composition',
    );
    expect(() => checkSupergraph(FEDERATION_1, 'fed1.graphql')).toThrow(
      'SUPERGRAPH_PATH="fed1.graphql" cannot be served: it is a Federation 1 supergraph (join spec v0.1); compose it again with Federation 2',
    );
    // A subgraph's SDL is not a supergraph either.
    expect(() => readSupergraphFile('schema/desks.graphql')).toThrow(
      'SUPERGRAPH_PATH="schema/desks.graphql" cannot be served: it links no join spec',
    );
    // Linked, but the join spec's own definitions are missing: the library's reason, on one line.
    const broken = readFileSync(projectPath(FOREIGN), 'utf8').replace(
      /directive @join__graph\(.*\n/,
      '',
    );
    expect(() => checkSupergraph(broken, 'broken.graphql')).toThrow(
      /^SUPERGRAPH_PATH="broken.graphql" cannot be served: it is not a valid Federation 2 supergraph \([^\n]+\)$/,
    );
  });

  it('refuses a file it cannot read, naming it', () => {
    expect(() => readSupergraphFile('schema/missing.graphql')).toThrow(SupergraphFileError);
    expect(() => readSupergraphFile('schema/missing.graphql')).toThrow(
      'SUPERGRAPH_PATH="schema/missing.graphql" cannot be served: the file cannot be read (ENOENT)',
    );
  });
});

describe('resolveSubgraphUrls', () => {
  const foreign = readSupergraphFile(FOREIGN);

  it("uses the supergraph's URLs unless a subgraph's is configured", () => {
    expect(
      resolveSubgraphUrls(
        foreign,
        readSubgraphUrls({ SUBGRAPH_URL_REVIEWS: 'http://x/graphql' }),
        FOREIGN,
      ),
    ).toEqual({
      accounts: 'http://localhost:4001/graphql',
      inventory: 'http://localhost:4002/graphql',
      products: 'http://localhost:4003/graphql',
      reviews: 'http://x/graphql',
    });
    expect(resolveSubgraphUrls(foreign, { reviews: 'http://r/graphql' }, FOREIGN).reviews).toBe(
      'http://r/graphql',
    );
  });

  it('refuses a URL configured for a subgraph the supergraph does not have', () => {
    expect(() =>
      resolveSubgraphUrls(foreign, readSubgraphUrls({ SUBGRAPH_URL_REVIEW: 'http://r' }), FOREIGN),
    ).toThrow(
      `SUPERGRAPH_PATH="${FOREIGN}" cannot be served: a URL is configured for subgraph REVIEW, which it does not have (its subgraphs: accounts, inventory, products, reviews)`,
    );
  });

  it('refuses to configure two subgraphs whose names give one variable', () => {
    const twins = {
      subgraphs: new Map([
        ['a-b', 'http://1'],
        ['a_b', 'http://2'],
      ]),
    };
    expect(() =>
      resolveSubgraphUrls({ ...twins, isProjectGraph: false }, { A_B: 'http://3' }, 'x'),
    ).toThrow('subgraphs a-b and a_b share the variable name A_B');
    expect(resolveSubgraphUrls({ ...twins, isProjectGraph: false }, {}, 'x')).toEqual({
      'a-b': 'http://1',
      a_b: 'http://2',
    });
  });

  it("keeps our graph's defaults (127.0.0.1:400N, where `npm start` runs the subgraphs)", () => {
    const ours = readSupergraphFile('schema/supergraph.graphql');
    expect(resolveSubgraphUrls(ours, { WORKERS: 'http://w/graphql' }, 'ours')).toEqual({
      desks: 'http://127.0.0.1:4001/graphql',
      workers: 'http://w/graphql',
      employers: 'http://127.0.0.1:4003/graphql',
      training: 'http://127.0.0.1:4004/graphql',
    });
  });
});

describe('costModelFor', () => {
  it("keeps this project's model for its graph", () => {
    expect(costModelFor(readSupergraphFile('schema/supergraph.graphql'))).toBe(COST_MODEL);
  });

  it("costs another graph in subgraph requests: the benchmark query's plan, fetch by fetch", () => {
    const file = readSupergraphFile(FOREIGN);
    const model = costModelFor(file);
    expect(model.references).toEqual({
      'accounts.User': 'once',
      'inventory.Product': 'once',
      'products.Product': 'once',
      'reviews.Product': 'once',
      'reviews.Review': 'once',
      'reviews.User': 'once',
    });
    expect(model.fields).toEqual({});
    const estimator = createCostEstimator(file.executableSdl, { model });
    const query = parse(readFileSync(projectPath('bench/foreign/query.graphql'), 'utf8'));
    const { plan, cost } = estimator.explain(query, 'TestQuery', {});
    const fetches = (JSON.stringify(plan).match(/"kind":"Fetch"/g) ?? []).length;
    expect(fetches).toBeGreaterThan(2);
    expect(cost).toBe(fetches);
  });
});
