// The load generator of bench/soak.ts, in a process of its own so that building requests
// (hostile ones are up to 1 MB) and checking answers never runs on the gateway's event loop,
// which that benchmark measures. N closed loops, each sending one request at a time until told
// to stop: valid reads of four roles' kinds, valid writes (publishVacancy, fresh idempotency
// key each), and a share of hostile documents (bench/hostile-documents.ts). Every answer is
// checked and counted under the phase it was sent in (the parent names the phase).
//
// Driven over the IPC channel, each message `{ id, body }` answered `{ id, body }`:
// `init` (checks and records the answer of every valid read before any load: what "correct"
// means), `start`, `phase` (from now on, requests count under that phase), `snapshot` (counts
// since the last snapshot, for the timeline), `stop` (the loops finish their request and the
// tallies come back), `exit`. Loopback only; never outlives the benchmark.
import { count, post, summarize, type Answer, type LatencySummary } from './client-request.js';
import { HOSTILE_KIND_NAMES, HOSTILE_KINDS, hostileRequest } from './hostile-documents.js';
import {
  checkRead,
  checkVacancy,
  READS,
  PUBLISH_VACANCY,
  type ReadKind,
  type ReadVariant,
  type VacancyInput,
} from './soak-operations.js';

export interface SoakInit {
  type: 'init';
  gatewayUrl: string;
  concurrency: number;
  /** Share of requests that are hostile documents, and of valid writes; the rest are reads. */
  hostileShare: number;
  writeShare: number;
  /** Seeds each loop's choice of request, so that a run's mix is reproducible. */
  seed: number;
  /** No loop starts a request past this many in all. */
  maxRequests: number;
  /** Marks this run's vacancies (their description), for the exactly-once check. */
  runId: string;
  operatorToken: string;
  analystToken: string;
  purpose: string;
  workerIds: string[];
  employerIds: string[];
  courseAreas: string[];
  /** The employer the valid writes publish vacancies for. */
  vacancyEmployerId: string;
}

export type SoakRequest =
  | SoakInit
  | { type: 'start'; phase: string }
  /** null: between two phases (while the faults change); those requests count nowhere. */
  | { type: 'phase'; phase: string | null }
  | { type: 'snapshot' }
  | { type: 'stop' }
  | { type: 'exit' };

/** Valid requests of one kind in one phase. */
export interface CategoryTally {
  sent: number;
  /** Complete and exactly the answer recorded before the run (writes: the vacancy asked for). */
  ok: number;
  /**
   * What is there is right, and every part missing is covered by an error with a stable
   * upstream code (UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, UPSTREAM_BAD_RESPONSE,
   * SUBGRAPH_UNAVAILABLE): the client knows what it lacks and why.
   */
  partial: number;
  /** Anything else: a wrong answer, a masked error, another code, a 5xx, no answer. */
  failed: number;
  latencyMs: LatencySummary;
  /** Partial and failed answers by label (`UPSTREAM_TIMEOUT trio`, `200 wrong answer`...). */
  labels: Record<string, number>;
  /** Completion time, from the phase's start, of the first fully correct answer (ms). */
  firstOkAtMs: number | null;
  /** Completion time, from the phase's start, of the last answer that was not (ms). */
  lastNotOkAtMs: number | null;
}

/** Valid requests sent in a phase that ended in another (or between two): counted apart. */
export interface Straddled {
  sent: number;
  ok: number;
  partial: number;
  failed: number;
  labels: Record<string, number>;
}

export interface PhaseTally {
  name: string;
  /** Valid requests sent and answered within the phase, by kind: the reads and `publishVacancy`. */
  valid: Record<string, CategoryTally>;
  /** Valid requests sent in the phase and answered after it ended: it is not clear what they met. */
  straddled: Straddled;
  hostile: {
    sent: number;
    /** Answered with the kind's expected status and code (HOSTILE_KINDS). */
    asExpected: number;
    latencyMs: LatencySummary;
    /** Answers by kind, each by `<status> <code>`. */
    answers: Record<string, Record<string, number>>;
  };
}

/** An answer that was not right, kept whole (clipped) for the report. */
export interface Example {
  phase: string;
  kind: string;
  variables: unknown;
  problem: string;
  status: number;
  body: string;
}

export interface Snapshot {
  /** Requests completed since the last snapshot. */
  completed: number;
  valid: number;
  ok: number;
  partial: number;
  failed: number;
  hostile: number;
  /** In flight now. */
  inFlight: number;
}

export interface VacancyAttempt {
  description: string;
  /** The vacancy id the gateway acknowledged, or null when the write did not succeed. */
  acknowledged: string | null;
  outcome: 'ok' | 'partial' | 'failed';
}

export interface SoakResults {
  phases: PhaseTally[];
  examples: Example[];
  /** How many examples were not kept (only the first few per phase and kind are). */
  examplesDropped: number;
  vacancies: VacancyAttempt[];
  /** True when the request cap stopped the loops before `stop`. */
  capped: boolean;
}

export type SoakReply =
  | { type: 'ready'; variants: number }
  | { type: 'ok' }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'results'; results: SoakResults };

const EXAMPLES_PER_PHASE_AND_KIND = 3;
const BODY_CLIP = 1500;

/** mulberry32: a small seeded generator, so that each loop's mix is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const todayUtc = (offsetDays = 0): string => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString().slice(0, 10);
};

interface CategoryState {
  sent: number;
  ok: number;
  partial: number;
  failed: number;
  latencies: number[];
  labels: Record<string, number>;
  firstOkAtMs: number | null;
  lastNotOkAtMs: number | null;
}

interface PhaseState {
  name: string;
  startedAt: number;
  valid: Map<string, CategoryState>;
  straddled: Straddled;
  hostile: {
    sent: number;
    asExpected: number;
    latencies: number[];
    answers: Record<string, Record<string, number>>;
  };
  examples: Map<string, number>;
}

function newPhase(name: string): PhaseState {
  return {
    name,
    startedAt: performance.now(),
    valid: new Map(),
    straddled: { sent: 0, ok: 0, partial: 0, failed: 0, labels: {} },
    hostile: { sent: 0, asExpected: 0, latencies: [], answers: {} },
    examples: new Map(),
  };
}

function createClient(init: SoakInit) {
  const operator = { authorization: `Bearer ${init.operatorToken}`, 'x-purpose': init.purpose };
  const analyst = { authorization: `Bearer ${init.analystToken}` };
  const headersFor = (role: 'operator' | 'analyst' | 'public'): Record<string, string> =>
    role === 'operator' ? operator : role === 'analyst' ? analyst : {};

  // Every variant of every read, with the answer it got before any load.
  const variants = new Map<ReadKind, (ReadVariant & { expected: unknown })[]>();
  const phases: PhaseState[] = [];
  let phase: PhaseState | undefined;
  const between = newPhase('(between phases)');
  const examples: Example[] = [];
  let examplesDropped = 0;
  const vacancies: VacancyAttempt[] = [];
  let sentTotal = 0;
  let hostileNonce = 0;
  let vacancyNonce = 0;
  let stopping = false;
  let capped = false;
  let inFlight = 0;
  let loops: Promise<void>[] = [];
  let interval: Snapshot = {
    completed: 0,
    valid: 0,
    ok: 0,
    partial: 0,
    failed: 0,
    hostile: 0,
    inFlight: 0,
  };

  const record = (
    at: PhaseState,
    kind: string,
    outcome: 'ok' | 'partial' | 'failed',
    answer: Answer,
    problem: string | undefined,
    variables: unknown,
  ): void => {
    interval.completed += 1;
    interval.valid += 1;
    interval[outcome] += 1;
    // Sent in one phase, answered in another: what it met is unclear; counted apart.
    const straddling = phase !== at || at === between;
    if (straddling) {
      at.straddled.sent += 1;
      at.straddled[outcome] += 1;
      if (outcome !== 'ok') count(at.straddled.labels, problem ?? answer.label);
    } else {
      let c = at.valid.get(kind);
      if (!c) {
        c = {
          sent: 0,
          ok: 0,
          partial: 0,
          failed: 0,
          latencies: [],
          labels: {},
          firstOkAtMs: null,
          lastNotOkAtMs: null,
        };
        at.valid.set(kind, c);
      }
      c.sent += 1;
      c[outcome] += 1;
      c.latencies.push(answer.ms);
      const sincePhase = performance.now() - at.startedAt;
      if (outcome === 'ok') c.firstOkAtMs ??= sincePhase;
      else c.lastNotOkAtMs = sincePhase;
      if (outcome !== 'ok') count(c.labels, problem ?? answer.label);
    }
    if (outcome === 'ok') return;
    // A partial answer with a stable code is expected under faults; keep the failures.
    if (outcome !== 'failed') return;
    const key = straddling ? `${kind} straddling` : kind;
    const kept = at.examples.get(key) ?? 0;
    if (kept >= EXAMPLES_PER_PHASE_AND_KIND) {
      examplesDropped += 1;
      return;
    }
    at.examples.set(key, kept + 1);
    examples.push({
      phase: straddling ? `${at.name}, answered in ${phase?.name ?? '?'}` : at.name,
      kind,
      variables,
      problem: problem ?? answer.label,
      status: answer.status,
      body: answer.text.slice(0, BODY_CLIP),
    });
  };

  const sendRead = async (kind: ReadKind, pick: () => number): Promise<void> => {
    const list = variants.get(kind) ?? [];
    const variant = list[Math.floor(pick() * list.length)];
    if (!variant) return;
    const at = phase as PhaseState;
    const answer = await post(
      init.gatewayUrl,
      JSON.stringify({ query: READS[kind].query, variables: variant.variables }),
      headersFor(READS[kind].role),
    );
    const verdict = checkRead(answer.status, answer.text, variant.expected);
    record(at, kind, verdict.outcome, answer, verdict.problem, variant.variables);
  };

  const sendWrite = async (): Promise<void> => {
    const n = vacancyNonce++;
    const input: VacancyInput = {
      employerId: init.vacancyEmployerId,
      occupationCode: '6.5.3.1.0.11',
      contractTypeCode: 'A.02.00',
      comuneCode: '100005',
      positions: 1 + (n % 5),
      closesOn: todayUtc(60),
      description: `Soak ${init.runId} vacancy ${n}: cernitore di lana`,
    };
    const at = phase as PhaseState;
    // A fresh key each time: the same key is only ever sent by the gateway's own retries.
    const key = `soak-${init.runId}-${n}`;
    const answer = await post(
      init.gatewayUrl,
      JSON.stringify({ query: PUBLISH_VACANCY, variables: { input, key } }),
      operator,
    );
    const verdict = checkVacancy(answer.status, answer.text, input, todayUtc());
    vacancies.push({
      description: input.description,
      acknowledged: verdict.vacancyId ?? null,
      outcome: verdict.outcome,
    });
    record(at, 'publishVacancy', verdict.outcome, answer, verdict.problem, { input, key });
  };

  const sendHostile = async (): Promise<void> => {
    const n = hostileNonce++;
    const request = hostileRequest(HOSTILE_KIND_NAMES[n % HOSTILE_KIND_NAMES.length] ?? 'depth', n);
    const at = phase as PhaseState;
    const answer = await post(init.gatewayUrl, request.body, request.signedIn ? analyst : {});
    const expected: { status: number; code: string } = HOSTILE_KINDS[request.kind].expected;
    at.hostile.sent += 1;
    at.hostile.latencies.push(answer.ms);
    if (answer.label === `${expected.status} ${expected.code}`) at.hostile.asExpected += 1;
    count((at.hostile.answers[request.kind] ??= {}), answer.label);
    interval.completed += 1;
    interval.hostile += 1;
  };

  const readKinds = Object.keys(READS) as ReadKind[];
  const loop = async (index: number): Promise<void> => {
    const pick = prng(init.seed * 1000 + index);
    while (!stopping) {
      if (sentTotal >= init.maxRequests) {
        capped = true;
        return;
      }
      sentTotal += 1;
      inFlight += 1;
      const r = pick();
      try {
        if (r < init.hostileShare) await sendHostile();
        else if (r < init.hostileShare + init.writeShare) await sendWrite();
        else await sendRead(readKinds[Math.floor(pick() * readKinds.length)] ?? 'desks', pick);
      } finally {
        inFlight -= 1;
      }
    }
  };

  return {
    /** The answer of every read variant before any load: none may have an error. */
    async prepare(): Promise<number> {
      let count = 0;
      for (const kind of readKinds) {
        const list: (ReadVariant & { expected: unknown })[] = [];
        for (const variant of READS[kind].variants(init)) {
          const answer = await post(
            init.gatewayUrl,
            JSON.stringify({ query: READS[kind].query, variables: variant.variables }),
            headersFor(READS[kind].role),
          );
          const parsed =
            answer.status === 200
              ? (JSON.parse(answer.text) as { data?: unknown; errors?: unknown })
              : {};
          if (answer.status !== 200 || parsed.errors !== undefined || !parsed.data) {
            throw new Error(
              `${kind} ${JSON.stringify(variant.variables)} failed before any load: ${answer.label} ${answer.text.slice(0, 300)}`,
            );
          }
          list.push({ ...variant, expected: parsed.data });
          count += 1;
        }
        variants.set(kind, list);
      }
      return count;
    },

    start(name: string): void {
      phase = newPhase(name);
      phases.push(phase);
      loops = Array.from({ length: init.concurrency }, (_, i) => loop(i));
    },

    phase(name: string | null): void {
      if (name === null) {
        phase = between;
        if (!phases.includes(between)) phases.push(between);
        return;
      }
      phase = newPhase(name);
      phases.push(phase);
    },

    snapshot(): Snapshot {
      const taken = { ...interval, inFlight };
      interval = { completed: 0, valid: 0, ok: 0, partial: 0, failed: 0, hostile: 0, inFlight: 0 };
      return taken;
    },

    async stop(): Promise<SoakResults> {
      stopping = true;
      await Promise.all(loops);
      return {
        phases: phases.map((p) => ({
          name: p.name,
          valid: Object.fromEntries(
            [...p.valid].map(([kind, c]) => [
              kind,
              {
                sent: c.sent,
                ok: c.ok,
                partial: c.partial,
                failed: c.failed,
                latencyMs: summarize(c.latencies),
                labels: c.labels,
                firstOkAtMs: c.firstOkAtMs,
                lastNotOkAtMs: c.lastNotOkAtMs,
              },
            ]),
          ),
          straddled: p.straddled,
          hostile: {
            sent: p.hostile.sent,
            asExpected: p.hostile.asExpected,
            latencyMs: summarize(p.hostile.latencies),
            answers: p.hostile.answers,
          },
        })),
        examples,
        examplesDropped,
        vacancies,
        capped,
      };
    },
  };
}

// Run as a child of bench/soak.ts only.
if (process.send) {
  let client: ReturnType<typeof createClient> | undefined;
  const reply = (id: number, body: SoakReply): void => {
    process.send?.({ id, body });
  };
  process.on('message', ({ id, body: message }: { id: number; body: SoakRequest }) => {
    const handle = async (): Promise<void> => {
      if (message.type === 'init') {
        client = createClient(message);
        reply(id, { type: 'ready', variants: await client.prepare() });
        return;
      }
      if (message.type === 'exit') process.exit(0);
      if (!client) throw new Error(`${message.type} before init`);
      switch (message.type) {
        case 'start':
          client.start(message.phase);
          reply(id, { type: 'ok' });
          return;
        case 'phase':
          client.phase(message.phase);
          reply(id, { type: 'ok' });
          return;
        case 'snapshot':
          reply(id, { type: 'snapshot', snapshot: client.snapshot() });
          return;
        case 'stop':
          reply(id, { type: 'results', results: await client.stop() });
          return;
      }
    };
    handle().catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
  });
  // Never outlive the benchmark.
  process.on('disconnect', () => process.exit(0));
}
