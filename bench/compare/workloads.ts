// The workloads of `npm run bench`: named operations standing for the graph's users, and the
// mixes of them that each measured run sends. Plain data: the orchestrator (bench/compare.ts)
// turns them into HTTP requests for each gateway.
//
// `unordered` lists the paths of the lists whose order the schema leaves unspecified (their
// descriptions say no order: aggregate cells, the desk directory, a desk's opening hours and
// services); answers are compared with those lists sorted, every other list as it comes.
import { readFileSync } from 'node:fs';
import { projectPath } from '../../lib/project-files.js';

export type CallerName =
  'public' | 'operatorGuidance' | 'operatorCommunications' | 'analyst' | 'partner';

export interface Operation {
  name: string;
  caller: CallerName;
  query: string;
  /** Registered for the partner organisation: our gateway gets it by id (sha256 of `query`). */
  registered?: { organisation: string; id: string };
  unordered: readonly string[];
}

export interface WorkloadRequest {
  /** Stable across gateways: the same logical request, whichever gateway it goes to. */
  id: string;
  operation: Operation;
  variables: Record<string, unknown>;
}

export interface Workload {
  name: string;
  /** Who it stands for. */
  description: string;
  /** The requests each connection sends in turn (autocannon cycles through them). */
  requests: WorkloadRequest[];
}

/** What the variables are drawn from: found in the run's dataset when the stack is up. */
export interface Fixtures {
  /** Workers with an employment history (those with enrolments too first). */
  workerIds: string[];
  /** Employers with at least a page of communications. */
  employerIds: string[];
  /** Employers that delegated the partner organisation, with communications. */
  partnerEmployerIds: string[];
  /** Registry desks. */
  deskIds: string[];
  /** ATECO divisions with employers (for the analysts' join). */
  sectors: string[];
  /** TRIO course areas. */
  areaCodes: string[];
  /** Every comune of the registry. */
  comuni: string[];
  /** Comuni with open vacancies. */
  vacancyComuni: string[];
  /** The partner organisation of the partner token. */
  organisation: string;
}

/** Years the synthetic dataset covers (2010-2014). */
const YEARS = [2010, 2011, 2012, 2013, 2014];
/** Page sizes: what a desk's screen shows. */
const PAGE = 20;

const WORKER_PAGE: Operation = {
  name: 'WorkerPage',
  caller: 'operatorGuidance',
  query: `query WorkerPage($id: ID!) {
  worker(id: $id) {
    id
    fiscalCode
    familyName
    givenName
    birthDate
    sex
    profile {
      status
      unemployedSince
      registeredAt {
        id
        name
        comune {
          name
        }
      }
    }
    guidanceSessions {
      id
      date
      kind
      outcome
      desk {
        id
        name
      }
    }
    employmentHistory {
      id
      type
      startDate
      endDate
      employer {
        id
        name
      }
      contractType {
        code
        label
        openEnded
      }
    }
    trainingEnrollments {
      id
      status
      enrolledOn
      course {
        id
        title
        area {
          code
          name
        }
      }
    }
    certificates {
      id
      score
      course {
        id
        title
      }
    }
  }
}`,
  unordered: [],
};

const EMPLOYER_COMMUNICATIONS_PAGE: Operation = {
  name: 'EmployerCommunicationsPage',
  caller: 'operatorCommunications',
  query: `query EmployerCommunicationsPage($id: ID!, $first: Int!) {
  employer(id: $id) {
    id
    name
    communications(first: $first) {
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
          worker {
            id
            familyName
            givenName
          }
          handledAt {
            id
            name
          }
        }
      }
    }
  }
}`,
  unordered: [],
};

const FLOWS_BY_MONTH_AND_CONTRACT: Operation = {
  name: 'FlowsByMonthAndContractType',
  caller: 'analyst',
  query: `query FlowsByMonthAndContractType($from: Date!, $to: Date!) {
  communicationFlows(from: $from, to: $to, groupBy: [MONTH, CONTRACT_TYPE]) {
    month
    contractType {
      code
      label
    }
    communications
    workers
    suppressed
  }
}`,
  unordered: ['communicationFlows'],
};

/**
 * An analyst's ad hoc join across three subgraphs: employers of a sector (employers), a page of
 * each one's communications (employers), the pseudonymous worker of each (workers, joined on the
 * fiscal-code key) and that worker's registration status.
 */
const SECTOR_COMMUNICATIONS_JOIN: Operation = {
  name: 'SectorEmployersCommunicationsWorkers',
  caller: 'analyst',
  query: `query SectorEmployersCommunicationsWorkers($sector: String!, $first: Int!, $communications: Int!) {
  employers(sectorPrefix: $sector, first: $first) {
    totalCount
    edges {
      node {
        id
        name
        sizeClass {
          code
        }
        communications(first: $communications) {
          totalCount
          edges {
            node {
              startDate
              type
              contractType {
                code
              }
              worker {
                pseudonym
                sex
                profile {
                  status
                  registeredAt {
                    id
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}`,
  unordered: [],
};

/**
 * Not measured, checked once per gateway: a join every gateway should answer the same, which a
 * planner that asks the workers subgraph for `Worker.id` as the join key cannot (analysts may not
 * read `id`, and the workers subgraph checks the policy again on what it is asked).
 */
const JOB_SEEKERS_JOIN: Operation = {
  name: 'JobSeekersWithHistoryAndTraining',
  caller: 'analyst',
  query: `query JobSeekersWithHistoryAndTraining($desk: ID!, $first: Int!) {
  jobSeekers(filter: { desk: $desk }, first: $first) {
    totalCount
    edges {
      node {
        pseudonym
        sex
        profile {
          status
          unemployedSince
        }
        employmentHistory {
          startDate
          contractType {
            code
          }
          employer {
            name
            sizeClass {
              code
            }
          }
        }
        trainingEnrollments {
          status
          course {
            area {
              code
            }
          }
        }
      }
    }
  }
}`,
  unordered: [],
};

const DESK_DIRECTORY: Operation = {
  name: 'DeskDirectory',
  caller: 'public',
  query: `query DeskDirectory($comune: ID, $kind: DeskKind) {
  desks(comune: $comune, kind: $kind) {
    id
    kind
    name
    address
    district
    comune {
      istatCode
      name
    }
    host {
      id
      name
    }
    openingHours {
      day
      opens
      closes
    }
    services
    publicWorkstationCount
  }
}`,
  unordered: ['desks', 'desks.openingHours', 'desks.services'],
};

const COURSE_CATALOGUE: Operation = {
  name: 'CourseCatalogue',
  caller: 'public',
  query: `query CourseCatalogue($area: ID, $first: Int!) {
  courses(area: $area, first: $first) {
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
}`,
  unordered: [],
};

interface ManifestOperation {
  id: string;
  name: string;
  type: string;
  body: string;
}

/** The partner organisation's registered queries, from the gateway's manifest. */
function partnerOperations(organisation: string): Record<string, Operation> {
  const manifest = JSON.parse(
    readFileSync(projectPath('gateway/trusted-documents.json'), 'utf8'),
  ) as Record<string, { operations: ManifestOperation[] }>;
  const operations = manifest[organisation]?.operations ?? [];
  const byName: Record<string, Operation> = {};
  for (const op of operations) {
    if (op.type !== 'query') continue;
    byName[op.name] = {
      name: op.name,
      caller: 'partner',
      query: op.body,
      registered: { organisation, id: op.id },
      unordered: op.body.includes('communicationFlows') ? ['communicationFlows'] : [],
    };
  }
  return byName;
}

const take = <T>(items: readonly T[], n: number): T[] => items.slice(0, n);

function requestsOf(
  prefix: string,
  operation: Operation,
  variableSets: Record<string, unknown>[],
): WorkloadRequest[] {
  return variableSets.map((variables, i) => ({ id: `${prefix}#${i}`, operation, variables }));
}

/** Every pairing of two lists of values. */
const cross = <A, B>(as: readonly A[], bs: readonly B[]): [A, B][] =>
  as.flatMap((a) => bs.map((b): [A, B] => [a, b]));

/** Whole years and their quarters. */
const PERIODS = YEARS.flatMap((y) => [
  { from: `${y}-01-01`, to: `${y}-12-31` },
  { from: `${y}-01-01`, to: `${y}-03-31` },
  { from: `${y}-04-01`, to: `${y}-06-30` },
  { from: `${y}-07-01`, to: `${y}-09-30` },
  { from: `${y}-10-01`, to: `${y}-12-31` },
]);

/** Checked once per gateway, not measured (see JOB_SEEKERS_JOIN). */
export function buildProbes(f: Fixtures): WorkloadRequest[] {
  return requestsOf(
    'probe-jobseekers-join',
    JOB_SEEKERS_JOIN,
    take(f.deskIds, 2).map((desk) => ({ desk, first: 5 })),
  );
}

/** Every workload of the benchmark, `mixed` last. */
export function buildWorkloads(f: Fixtures): Workload[] {
  const partner = partnerOperations(f.organisation);
  const need = (name: string): Operation => {
    const op = partner[name];
    if (!op) throw new Error(`${f.organisation} has no registered query ${name}`);
    return op;
  };

  // Many distinct requests per workload (each connection starts at its own place in the list,
  // bench/compare/load-client.ts), so that identical requests seldom meet in flight: real users
  // seldom ask the same page at the same instant, and a gateway that coalesces identical
  // in-flight subgraph fetches (Hive does by default) would otherwise be measured on an
  // artefact. The answers to compare: what our gateway said for each.
  const workerPage = requestsOf(
    'worker',
    WORKER_PAGE,
    take(f.workerIds, 32).map((id) => ({ id })),
  );
  const employerPage = requestsOf(
    'employer',
    EMPLOYER_COMMUNICATIONS_PAGE,
    take(f.employerIds, 32).map((id) => ({ id, first: PAGE })),
  );
  const flows = requestsOf('flows', FLOWS_BY_MONTH_AND_CONTRACT, PERIODS);
  const join = requestsOf(
    'join',
    SECTOR_COMMUNICATIONS_JOIN,
    cross(take(f.sectors, 12), [5, 10]).map(([sector, communications]) => ({
      sector,
      first: 5,
      communications,
    })),
  );
  const partnerRequests = [
    ...requestsOf(
      'partner-vacancies',
      need('OpenVacanciesInComune'),
      cross(f.vacancyComuni, [10, PAGE]).map(([comune, first]) => ({ comune, first })),
    ),
    ...requestsOf(
      'partner-communications',
      need('DelegatingEmployerCommunications'),
      cross(take(f.partnerEmployerIds, 8), [10, PAGE]).map(([employerId, first]) => ({
        employerId,
        first,
      })),
    ),
    ...requestsOf('partner-flows', need('SectorFlowsByMonth'), PERIODS.slice(0, 10)),
  ];
  const desks = requestsOf(
    'desks',
    DESK_DIRECTORY,
    cross([null, ...f.comuni], [null, 'LABOUR_REGISTRY_DESK', 'FIRST_RECEPTION_POINT']).map(
      ([comune, kind]) => ({ comune, kind }),
    ),
  );
  const courses = requestsOf(
    'courses',
    COURSE_CATALOGUE,
    cross([null, ...f.areaCodes], [10, PAGE]).map(([area, first]) => ({ area, first })),
  );

  const workloads: Workload[] = [
    {
      name: 'operator-worker',
      description:
        'desk operator: a worker with profile, guidance, history, training (token + purpose)',
      requests: workerPage,
    },
    {
      name: 'operator-employer',
      description: "desk operator: an employer's communications page with workers and desks",
      requests: employerPage,
    },
    {
      name: 'analyst-flows',
      description: 'analyst: communication flows by month and contract type, a year or a quarter',
      requests: flows,
    },
    {
      name: 'analyst-join',
      description:
        "analyst: a sector's employers, a page of each one's communications, each worker's pseudonym and status",
      requests: join,
    },
    {
      name: 'partner',
      description:
        "partner (CNA): its registered queries (vacancies in a comune, a delegating employer's communications, flows by month and sector), by id through our gateway",
      requests: partnerRequests,
    },
    {
      name: 'public-desks',
      description: 'public: the desk directory, by comune and kind',
      requests: desks,
    },
    {
      name: 'public-courses',
      description: 'public: a page of the course catalogue, by area',
      requests: courses,
    },
  ];
  // The mix: public pages weigh most, then desk work, then partners and analysts. Each
  // component's requests are taken in turn, so that every variant of each one is sent.
  const weights: [WorkloadRequest[], number][] = [
    [desks, 3],
    [courses, 3],
    [workerPage, 2],
    [employerPage, 2],
    [partnerRequests, 2],
    [flows, 1],
    [join, 1],
  ];
  const mixed: WorkloadRequest[] = [];
  const rounds = 24;
  for (let round = 0; round < rounds; round += 1) {
    for (const [requests, weight] of weights) {
      for (let k = 0; k < weight; k += 1) {
        const request = requests[(round * weight + k) % requests.length];
        if (request) mixed.push(request);
      }
    }
  }
  workloads.push({
    name: 'mixed',
    description:
      'all of the above in one stream: per 14 requests 3 desk directory, 3 course pages, 2 worker pages, 2 employer pages, 2 partner, 1 flows, 1 join',
    requests: mixed,
  });
  return workloads;
}
