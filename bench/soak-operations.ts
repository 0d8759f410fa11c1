// The valid operations of the soak benchmark (bench/soak.ts) and how their answers are judged.
// Plain strings and JSON only: no GraphQL import, so that the load generator stays light.
//
// A read is judged against the answer the same read got before any load and any fault:
// - ok: no error, and `data` deep-equal to that answer;
// - partial: every error carries a stable code a client can act on (DEGRADED_CODES) and a
//   path, every value present equals the recorded one, and every value missing (null where the
//   recorded answer had something) lies under the path of one of those errors;
// - failed: anything else (another code, a masked error, an error without a path, a value
//   that differs, a null no error explains, a non-200 status, no answer).

/** Codes that say "this part could not be had from an upstream (or a subgraph), now". */
const DEGRADED_CODES: ReadonlySet<string> = new Set([
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'SUBGRAPH_UNAVAILABLE',
]);

export type Role = 'operator' | 'analyst' | 'public';

export interface ReadVariant {
  variables: Record<string, unknown>;
}

/** What the variants are built from (bench/soak-client.ts SoakInit). */
export interface VariantSource {
  workerIds: string[];
  employerIds: string[];
  courseAreas: string[];
}

export interface ReadSpec {
  role: Role;
  /** Which upstreams the read needs, for the report. */
  upstreams: string;
  query: string;
  variants(source: VariantSource): ReadVariant[];
}

export const READS = {
  // An operator at a desk reads a person, with the purpose personal data needs: identity and
  // profile from idol, the employment history from co (with each employer), the enrolments
  // from trio (with each course, one trio request per course: trio has no batch endpoint).
  worker: {
    role: 'operator',
    upstreams: 'idol, co, trio, registry',
    query: `query SoakWorker($id: ID!) {
  worker(id: $id) {
    id familyName givenName sex birthDate
    profile { status unemployedSince registeredAt { id name } }
    employmentHistory { id type startDate endDate employer { id name } contractType { code } }
    trainingEnrollments { id status enrolledOn course { id title hours } }
  }
}`,
    variants: (s) => s.workerIds.map((id) => ({ variables: { id } })),
  },
  // An analyst pages an employer's compulsory communications: each one's desk (registry) and
  // worker, seen only through the pseudonym (workers subgraph, idol).
  employerCommunications: {
    role: 'analyst',
    upstreams: 'co, idol, registry',
    query: `query SoakEmployer($id: ID!) {
  employer(id: $id) {
    id name
    communications(first: 20) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id type startDate contractType { code label } handledAt { id name } worker { pseudonym } } }
    }
  }
}`,
    variants: (s) => s.employerIds.map((id) => ({ variables: { id } })),
  },
  // Public aggregates: a year of flows by month and contract type (co), small cells suppressed.
  flows: {
    role: 'public',
    upstreams: 'co',
    query: `query SoakFlows($from: Date!, $to: Date!) {
  communicationFlows(from: $from, to: $to, groupBy: [MONTH, CONTRACT_TYPE]) {
    month contractType { code label } communications workers suppressed
  }
}`,
    variants: () =>
      [2010, 2011, 2012, 2013, 2014].map((y) => ({
        variables: { from: `${y}-01-01`, to: `${y}-12-31` },
      })),
  },
  // Public: the desk list (registry, one document revalidated with its ETag).
  desks: {
    role: 'public',
    upstreams: 'registry',
    query: `query SoakDesks($includeClosed: Boolean) {
  desks(includeClosed: $includeClosed) { id kind name address district comune { name } openedOn closedOn }
}`,
    variants: () => [
      { variables: { includeClosed: true } },
      { variables: { includeClosed: false } },
    ],
  },
  // Public: the course catalogue of one area (trio).
  courses: {
    role: 'public',
    upstreams: 'trio',
    query: `query SoakCourses($area: ID!) {
  courses(area: $area, first: 20) {
    totalCount
    edges { node { id title area { code name } hours level certifiable } }
  }
}`,
    variants: (s) => s.courseAreas.map((area) => ({ variables: { area } })),
  },
} as const satisfies Record<string, ReadSpec>;

export type ReadKind = keyof typeof READS;

export const PUBLISH_VACANCY = `mutation SoakPublish($input: PublishVacancyInput!, $key: IdempotencyKey!) {
  publishVacancy(input: $input, idempotencyKey: $key) {
    replayed
    vacancy { id status postedOn closesOn positions description employer { id } }
  }
}`;

export interface VacancyInput {
  employerId: string;
  occupationCode: string;
  contractTypeCode: string;
  comuneCode: string;
  positions: number;
  closesOn: string;
  description: string;
}

export interface Verdict {
  outcome: 'ok' | 'partial' | 'failed';
  /** Why it is not ok: a label to count under (`UPSTREAM_TIMEOUT trio`, `wrong answer at ...`). */
  problem?: string;
}

type Path = readonly (string | number)[];

interface GraphQLError {
  message?: unknown;
  path?: unknown;
  extensions?: { code?: unknown; upstream?: unknown };
}

interface Parsed {
  data?: unknown;
  errors?: GraphQLError[];
}

function parse(status: number, text: string): Parsed | Verdict {
  if (status === 0) return { outcome: 'failed', problem: 'no answer' };
  let parsed: Parsed;
  try {
    parsed = JSON.parse(text) as Parsed;
  } catch {
    return { outcome: 'failed', problem: `${status} non-JSON body` };
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return { outcome: 'failed', problem: `${status} not a GraphQL answer` };
  }
  return parsed;
}

const isVerdict = (v: Parsed | Verdict): v is Verdict => 'outcome' in v;

/** `CODE upstream` for a degraded error, or undefined when the error is not one. */
function degradedLabel(error: GraphQLError): string | undefined {
  const code = error.extensions?.code;
  if (typeof code !== 'string' || !DEGRADED_CODES.has(code)) return undefined;
  const upstream = error.extensions?.upstream;
  return typeof upstream === 'string' ? `${code} ${upstream}` : code;
}

const showPath = (path: Path): string => (path.length === 0 ? '(root)' : path.join('.'));

/**
 * Where `actual` departs from `expected` in a way the errors at `errorPaths` do not explain,
 * or undefined when every value present is the recorded one and every one missing is covered.
 */
function unexplained(
  actual: unknown,
  expected: unknown,
  errorPaths: readonly Path[],
  path: Path = [],
): string | undefined {
  if (actual === null && expected !== null) {
    const covered = errorPaths.some(
      (p) => p.length >= path.length && path.every((segment, i) => p[i] === segment),
    );
    return covered ? undefined : `null without an error at ${showPath(path)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `not a list at ${showPath(path)}`;
    if (actual.length !== expected.length) {
      return `${actual.length} items instead of ${expected.length} at ${showPath(path)}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const found = unexplained(actual[i], expected[i], errorPaths, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      return `not an object at ${showPath(path)}`;
    }
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    for (const key of Object.keys(a))
      if (!(key in e)) return `extra field ${showPath([...path, key])}`;
    for (const key of Object.keys(e)) {
      if (!(key in a)) return `missing field ${showPath([...path, key])}`;
      const found = unexplained(a[key], e[key], errorPaths, [...path, key]);
      if (found) return found;
    }
    return undefined;
  }
  return actual === expected ? undefined : `wrong value at ${showPath(path)}`;
}

/** A read's answer against the one recorded before the run. */
export function checkRead(status: number, text: string, expected: unknown): Verdict {
  const parsed = parse(status, text);
  if (isVerdict(parsed)) return parsed;
  const errors = parsed.errors ?? [];
  if (status !== 200) {
    const code = errors[0]?.extensions?.code;
    return {
      outcome: 'failed',
      problem: `${status} ${typeof code === 'string' ? code : ''}`.trim(),
    };
  }
  if (errors.length === 0) {
    const problem = unexplained(parsed.data, expected, []);
    return problem ? { outcome: 'failed', problem: `wrong answer: ${problem}` } : { outcome: 'ok' };
  }
  const labels = new Set<string>();
  const paths: Path[] = [];
  for (const error of errors) {
    const label = degradedLabel(error);
    const code = error.extensions?.code;
    if (!label) {
      return {
        outcome: 'failed',
        problem: `error ${typeof code === 'string' ? code : '(no code)'}`,
      };
    }
    if (!Array.isArray(error.path))
      return { outcome: 'failed', problem: `${label} without a path` };
    labels.add(label);
    paths.push(error.path as Path);
  }
  const problem = unexplained(parsed.data ?? null, expected, paths);
  if (problem) return { outcome: 'failed', problem: `wrong partial answer: ${problem}` };
  return { outcome: 'partial', problem: [...labels].sort().join(' + ') };
}

/**
 * A publishVacancy answer: ok when it is the vacancy asked for, new (not a replay: the key is
 * fresh), published today and open; partial when refused with a degraded code and no data.
 */
export function checkVacancy(
  status: number,
  text: string,
  input: VacancyInput,
  today: string,
): Verdict & { vacancyId?: string } {
  const parsed = parse(status, text);
  if (isVerdict(parsed)) return parsed;
  const errors = parsed.errors ?? [];
  const payload = (parsed.data as { publishVacancy?: unknown } | null | undefined)?.publishVacancy;
  if (errors.length > 0) {
    const labels = errors.map(degradedLabel);
    const code = errors[0]?.extensions?.code;
    if (labels.some((l) => l === undefined)) {
      return {
        outcome: 'failed',
        problem: `${status} ${typeof code === 'string' ? code : '(no code)'}`,
      };
    }
    if (payload != null) return { outcome: 'failed', problem: 'errors beside a vacancy' };
    return { outcome: 'partial', problem: [...new Set(labels)].sort().join(' + ') };
  }
  if (status !== 200) return { outcome: 'failed', problem: `${status} without errors` };
  const p = payload as
    | {
        replayed?: unknown;
        vacancy?: {
          id?: unknown;
          status?: unknown;
          postedOn?: unknown;
          closesOn?: unknown;
          positions?: unknown;
          description?: unknown;
          employer?: { id?: unknown };
        };
      }
    | null
    | undefined;
  const v = p?.vacancy;
  if (!v || typeof v.id !== 'string') return { outcome: 'failed', problem: 'no vacancy' };
  const wrong = [
    p.replayed !== false && 'replayed',
    v.status !== 'OPEN' && 'status',
    v.postedOn !== today && 'postedOn',
    v.closesOn !== input.closesOn && 'closesOn',
    v.positions !== input.positions && 'positions',
    v.description !== input.description && 'description',
    v.employer?.id !== input.employerId && 'employer',
  ].filter(Boolean);
  if (wrong.length > 0) {
    return { outcome: 'failed', problem: `wrong vacancy: ${wrong.join(', ')}`, vacancyId: v.id };
  }
  return { outcome: 'ok', vacancyId: v.id };
}
