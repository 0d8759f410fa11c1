// The cost model against the real supergraph and the real query planner: what a plan's
// shape costs, and that the model's tables still match the schema they describe.
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withoutSecurityPurpose } from '../../lib/auth/policy.js';
import { projectPath } from '../../lib/project-files.js';
import { createCostEstimator } from './cost.js';
import { COST_MODEL } from './query-cost.js';

const supergraphSdl = readFileSync(projectPath('schema/supergraph.graphql'), 'utf8');
const estimator = createCostEstimator(withoutSecurityPurpose(supergraphSdl));
const cost = (query: string, variables: Record<string, unknown> = {}) =>
  estimator.estimate(parse(query), undefined, variables);

const communicationsPage = `query ($n: Int) {
  employer(id: "A000001") {
    communications(first: $n) { edges { node { employer { name } worker { pseudonym } } } }
  }
}`;

describe('estimated upstream requests', () => {
  it('costs a page of 500 a few requests more than a page of 10 of the same shape', () => {
    // employer + its page + ceil(n/50) co employer batches + ceil(n/100) idol worker batches
    expect(cost(communicationsPage, { n: 10 })).toBe(1 + 1 + 1 + 1);
    expect(cost(communicationsPage, { n: 500 })).toBe(1 + 1 + 10 + 5);
  });

  it('costs 15 aliased pages of 500 under a page of 200 thousands of requests', () => {
    const pages = Array.from(
      { length: 15 },
      (_, i) => `c${i}: communications(first: 500) { edges { node { worker { pseudonym } } } }`,
    ).join(' ');
    // employers page + 15 x 200 per-employer pages + 15 x (200 x 500 workers / 100 per batch)
    expect(cost(`{ employers(first: 200) { edges { node { ${pages} } } } }`)).toBe(
      1 + 15 * 200 + 15 * 1000,
    );
  });

  it('takes the schema default of `first` when the argument is omitted', () => {
    // Employer.communications defaults to first: 50 -> one idol batch of workers
    const omitted = `{ employer(id: "A000001") { communications { edges { node { worker { pseudonym } } } } } }`;
    expect(cost(omitted)).toBe(1 + 1 + 1);
  });

  it('counts one registry document and one trio request per 20 desks for workstations', () => {
    // desks (30 by the model's list size) -> ceil(30 / 20) trio requests; Desk stubs are free
    expect(cost('{ desks { id workstations { id } } }')).toBe(1 + 2);
  });

  it('counts a conditional fetch at its full price', () => {
    const query = 'query ($b: Boolean!) { desks { id workstations @include(if: $b) { id } } }';
    expect(cost(query, { b: false })).toBe(cost('{ desks { id workstations { id } } }'));
  });

  it('counts per-course requests for enrolments, trio having no batch form for courses', () => {
    // 200 job seekers -> ceil(200/20) enrolment requests, 200 x 5 enrolments -> 1,000 courses
    const query =
      '{ jobSeekers(first: 200) { edges { node { trainingEnrollments { course { title } } } } } }';
    expect(cost(query)).toBe(1 + 10 + 1000);
  });

  it('costs nothing for introspection and __typename, answered by the gateway itself', () => {
    expect(cost('{ __typename __schema { types { name } } }')).toBe(0);
  });

  it('answers null for an operation the planner refuses, leaving the refusal to the gateway', () => {
    expect(cost('mutation { desks { id } }')).toBeNull();
  });
});

describe('the cost model tables', () => {
  // `@join__type(graph: X, key: ...)` lines of the supergraph, by type.
  const entities = new Set<string>();
  let currentType = '';
  for (const line of supergraphSdl.split('\n')) {
    const type = /^type (\w+)/.exec(line);
    if (type) currentType = type[1]!;
    const join = /@join__type\(graph: (\w+), key: "[^"]*"(.*)\)/.exec(line);
    if (join && !join[2]!.includes('resolvable: false')) {
      entities.add(`${join[1]!.toLowerCase()}.${currentType}`);
    }
  }

  it('price every entity a subgraph resolves, and nothing else', () => {
    expect(Object.keys(COST_MODEL.references).sort()).toEqual([...entities].sort());
  });

  it('name only fields the client-facing schema has', () => {
    const schema = withoutSecurityPurpose(supergraphSdl);
    for (const coordinate of [
      ...Object.keys(COST_MODEL.fields),
      ...Object.keys(COST_MODEL.listSizes),
    ]) {
      const [type, field] = coordinate.split('.') as [string, string];
      const block = new RegExp(`\\ntype ${type}\\b[^]*?\\n\\}`).exec(schema)?.[0] ?? '';
      expect(block, coordinate).toMatch(new RegExp(`\\n\\s+${field}[(:]`));
    }
  });
});

describe('the estimates kept between requests', () => {
  const sdl = withoutSecurityPurpose(supergraphSdl);

  it('stay within their entry and byte bounds however many distinct operations arrive', () => {
    const bounded = createCostEstimator(sdl, { cacheEntries: 50, cacheBytes: 4_096 });
    for (let i = 0; i < 300; i += 1) {
      bounded.estimate(parse(`query Q${i} { desks { id workstations { id } } }`), undefined, {});
      const { entries, bytes } = bounded.stats();
      expect(entries).toBeLessThanOrEqual(50);
      expect(bytes).toBeLessThanOrEqual(4_096);
    }
    const { entries, bytes, plans } = bounded.stats();
    expect(plans).toBe(300);
    // Numbers, not plans: each entry is its hashed key and a number, whatever the document.
    expect(entries).toBeGreaterThan(0);
    expect(bytes / entries).toBeLessThanOrEqual(256);
  });

  it('weigh the same for a large operation as for a small one', () => {
    const large = createCostEstimator(sdl);
    const fields = 'id name address kind district publicWorkstationCount openedOn closedOn';
    const aliases = Array.from(
      { length: 10 },
      (_, i) => `d${i}: desks { ${fields} comune { desks { ${fields} } } }`,
    );
    large.estimate(parse(`{ ${aliases.join(' ')} }`), undefined, {});
    const small = createCostEstimator(sdl);
    small.estimate(parse('{ desks { id } }'), undefined, {});
    expect(large.stats().bytes).toBe(small.stats().bytes);
  });

  it('plan an operation once, whatever its layout or the variables that are not page sizes', () => {
    const once = createCostEstimator(sdl);
    const query = 'query W($id: ID!) { worker(id: $id) { id profile { status } } }';
    expect(once.estimate(parse(query), undefined, { id: 'L0000001' })).toBe(2);
    expect(once.estimate(parse(query), 'W', { id: 'L0000002' })).toBe(2);
    const relaid =
      'query W($id: ID!) {\n  worker(id: $id) {\n    id, profile { status } # a comment\n  }\n}';
    expect(once.estimate(parse(relaid), undefined, { id: 'L0000003' })).toBe(2);
    expect(once.stats()).toMatchObject({ plans: 2, entries: 2 }); // with and without 'W'
  });

  it("key an estimate by Apollo's queryHash when given, not by the printed document", () => {
    const hashed = createCostEstimator(sdl);
    const query = 'query W($id: ID!) { worker(id: $id) { id profile { status } } }';
    const document = parse(query);
    expect(hashed.estimate(document, 'W', { id: 'L0000001' }, 'hash-1')).toBe(2);
    // Same text, so same hash: found again, from another parse too, without planning.
    expect(hashed.estimate(parse(query), 'W', { id: 'L0000002' }, 'hash-1')).toBe(2);
    expect(hashed.stats()).toMatchObject({ plans: 1, entries: 1, hits: 1 });
    // The same document under another hash (another text) is another key: the hash is the key.
    expect(hashed.estimate(document, 'W', { id: 'L0000001' }, 'hash-2')).toBe(2);
    // Nor does a hashed key meet a printed one.
    expect(hashed.estimate(document, 'W', { id: 'L0000001' })).toBe(2);
    expect(hashed.stats()).toMatchObject({ plans: 3, entries: 3 });
  });

  it('tell page sizes given in variables apart, the estimate depending on them', () => {
    const paged = createCostEstimator(sdl);
    expect(paged.estimate(parse(communicationsPage), undefined, { n: 10 })).toBe(4);
    expect(paged.estimate(parse(communicationsPage), undefined, { n: 500 })).toBe(17);
    expect(paged.estimate(parse(communicationsPage), undefined, { n: 10 })).toBe(4);
    expect(paged.stats().plans).toBe(2);
  });
});

describe('the floor read from the document', () => {
  const sdl = withoutSecurityPurpose(supergraphSdl);
  // Each level crosses from desks to training and back, four levels of doubling fragments.
  const crossing = `{ ${Array.from({ length: 10 }, (_, i) => `r${i}: desks { ...F0 }`).join(' ')} }
    ${Array.from({ length: 4 }, (_, i) => {
      const next = i < 3 ? `...F${i + 1}` : 'id name';
      return `fragment F${i} on Desk { workstations { desk { ${next} } } comune { desks { ${next} } } }`;
    }).join(' ')}`;

  it('refuses an operation over budget without planning it', () => {
    const estimator = createCostEstimator(sdl);
    const refused = estimator.check(parse(crossing), undefined, {}, 5_000);
    expect(refused?.floor).toBe(true);
    expect(refused?.cost).toBeGreaterThan(5_000);
    expect(estimator.stats()).toMatchObject({ plans: 0, entries: 0 });
  });

  it('plans an operation whose floor is within budget, and the plan costs at least the floor', () => {
    const estimator = createCostEstimator(sdl);
    const queries: [string, Record<string, unknown>][] = [
      [communicationsPage, { n: 500 }],
      ['{ desks { id workstations { id desk { name } } comune { desks { id } } } }', {}],
      [
        '{ jobSeekers(first: 200) { edges { node { trainingEnrollments { course { title } } } } } }',
        {},
      ],
      [crossing, {}],
    ];
    for (const [query, variables] of queries) {
      const document = parse(query);
      const planned = estimator.check(document, undefined, variables, Infinity);
      expect(planned?.floor).toBe(false);
      const floor = estimator.check(document, undefined, variables, -1);
      // Cached by now: the plan's estimate, which never falls below the floor.
      expect(floor).toEqual(planned);
      const fresh = createCostEstimator(sdl).check(document, undefined, variables, 0);
      expect(fresh?.floor).toBe(true);
      expect(fresh!.cost).toBeLessThanOrEqual(planned!.cost);
    }
  });
});
