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
