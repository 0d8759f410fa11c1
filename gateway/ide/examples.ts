// The example operations the IDE opens as tabs: one per kind of user the graph serves, taken
// from the operations the integration tests run (test/graph.test.ts, test/aggregates.test.ts),
// so that each is known to work. gateway/ide/examples.test.ts validates them against
// schema/api.graphql and test/ide.test.ts runs each one through the gateway as its role.
import type { Purpose } from '../../lib/auth/principal.js';

/** Who can run an example: the role its fields need (`public` needs no token). */
export type ExampleAudience = 'public' | 'analyst' | 'operator';

export interface IdeExample {
  /** The operation's name, which GraphiQL shows as the tab's title. */
  name: string;
  audience: ExampleAudience;
  /** The purpose to declare (`x-purpose`) when the operation reads personal data. */
  purpose?: Purpose;
  /** The document, starting with a comment that says who may run it. */
  query: string;
  /** Values of the operation's variables; ids are the ones every generated dataset holds. */
  variables?: Record<string, unknown>;
}

export const IDE_EXAMPLES: readonly IdeExample[] = Object.freeze([
  {
    name: 'CommunicationFlows',
    audience: 'analyst',
    query: `# Analysts: compulsory communications of 2011 by month and contract type (edit the dates).
# Public aggregates: cells counting fewer than 5 workers come back suppressed.
query CommunicationFlows {
  communicationFlows(from: "2011-01-01", to: "2011-12-31", groupBy: [MONTH, CONTRACT_TYPE]) {
    month
    contractType {
      code
      label
    }
    communications
    workers
    suppressed
  }
}
`,
  },
  {
    name: 'DeskJobSeekers',
    audience: 'operator',
    purpose: 'GUIDANCE',
    query: `# Desk operators: the job seekers registered at a desk, with their names.
# Needs an operator token and a declared purpose (for example GUIDANCE): names are personal data.
query DeskJobSeekers($desk: ID!, $after: String) {
  desk(id: $desk) {
    id
    name
    jobSeekers(first: 20, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          familyName
          givenName
          profile {
            status
          }
        }
      }
    }
  }
}
`,
    variables: { desk: 'PO-NORD' },
  },
  {
    name: 'EmployerCommunications',
    audience: 'analyst',
    query: `# Operators and analysts: an employer's compulsory communications, a page at a time
# (pass pageInfo.endCursor as $after for the next one).
query EmployerCommunications($id: ID!, $first: Int!, $after: String) {
  employer(id: $id) {
    id
    name
    communications(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          type
          startDate
          endDate
          contractType {
            code
            label
          }
          handledAt {
            id
            name
          }
        }
      }
    }
  }
}
`,
    variables: { id: 'A000001', first: 20 },
  },
  {
    name: 'CourseCatalogue',
    audience: 'public',
    query: `# Anyone: the TRIO course catalogue, optionally of one area (for example "SIC").
query CourseCatalogue($area: ID, $after: String) {
  courses(area: $area, first: 20, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        code
        title
        hours
        level
        certifiable
        area {
          code
          name
        }
      }
    }
  }
}
`,
  },
  {
    name: 'Desks',
    audience: 'public',
    query: `# Anyone: the employment centre, the registry desks and the first-reception points.
query Desks {
  desks {
    id
    kind
    name
    address
    comune {
      istatCode
      name
    }
    host {
      name
      kind
    }
  }
}
`,
  },
]);
