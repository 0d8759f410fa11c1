// The load generator of bench/hostile.ts, in a process of its own so that building and
// sending megabyte bodies never runs on the gateway's event loop, which that benchmark
// measures. Driven over the IPC channel: one `init`, then one `run` per phase, each answered
// with the phase's counts. Loopback only; every phase stops by itself after its duration.
import { count, post, summarize, type Answer, type LatencySummary } from './client-request.js';
import { HOSTILE_KIND_NAMES, hostileRequest, type HostileKind } from './hostile-documents.js';

export interface ClientInit {
  type: 'init';
  gatewayUrl: string;
  /** Operator token and purpose for the valid query. */
  operatorToken: string;
  purpose: string;
  /** Token of a signed-in caller for the hostile kinds that are sent signed in. */
  analystToken: string;
  /** Workers the valid query reads, in turn. */
  workerIds: string[];
}

export interface PhaseSpec {
  name: string;
  seconds: number;
  /** What the `concurrency` closed loops send besides the probe. */
  load: 'none' | 'valid' | 'hostile';
  concurrency: number;
  /** Whether the valid query runs in its own sequential loop meanwhile. */
  probe: boolean;
  /** The hostile kinds sent, in turn; default all of them. */
  kinds?: HostileKind[];
}

export interface PhaseCounts {
  name: string;
  seconds: number;
  probe: {
    sent: number;
    /** 200 with exactly the answer the same query got before any load. */
    correct: number;
    /** Everything else, by `<status> <code>` or `network error`. */
    wrong: Record<string, number>;
    latencyMs: LatencySummary;
  };
  load: {
    sent: number;
    latencyMs: LatencySummary;
    /** Answers by kind (`valid` or a hostile kind), each by `<status> <code>`. */
    answers: Record<string, Record<string, number>>;
  };
}

export type ClientMessage = ClientInit | { type: 'run'; phase: PhaseSpec } | { type: 'exit' };
export type ClientReply = { type: 'ready' } | { type: 'done'; counts: PhaseCounts };

const PROBE = 'query Probe($id: ID!) { worker(id: $id) { id familyName sex } }';

function createClient(init: ClientInit) {
  const probeHeaders = { authorization: `Bearer ${init.operatorToken}`, 'x-purpose': init.purpose };
  const expected = new Map<string, string>();
  let nextWorker = 0;
  let nonce = 0;
  const probeRequest = () => {
    const id = init.workerIds[nextWorker++ % init.workerIds.length] ?? '';
    return { id, body: JSON.stringify({ query: PROBE, variables: { id } }) };
  };

  return {
    /** The valid query's answer for each worker, before any load: what "correct" means. */
    async prepare(): Promise<void> {
      for (const id of init.workerIds) {
        const answer = await post(
          init.gatewayUrl,
          JSON.stringify({ query: PROBE, variables: { id } }),
          probeHeaders,
        );
        const data = answer.status === 200 ? (JSON.parse(answer.text) as { data?: unknown }) : {};
        if (answer.status !== 200 || answer.text.includes('"errors"') || !data.data) {
          throw new Error(`the valid query failed before any load: ${answer.label}`);
        }
        expected.set(id, answer.text);
      }
    },

    async run(phase: PhaseSpec): Promise<PhaseCounts> {
      const started = performance.now();
      const deadline = started + phase.seconds * 1000;
      const counts: PhaseCounts = {
        name: phase.name,
        seconds: 0,
        probe: { sent: 0, correct: 0, wrong: {}, latencyMs: summarize([]) },
        load: { sent: 0, latencyMs: summarize([]), answers: {} },
      };
      const probeLatencies: number[] = [];
      const loadLatencies: number[] = [];

      const probeLoop = async () => {
        while (performance.now() < deadline) {
          const { id, body } = probeRequest();
          const answer = await post(init.gatewayUrl, body, probeHeaders);
          counts.probe.sent += 1;
          probeLatencies.push(answer.ms);
          if (answer.status === 200 && answer.text === expected.get(id)) counts.probe.correct += 1;
          else count(counts.probe.wrong, answer.label);
        }
      };

      const loadLoop = async () => {
        while (performance.now() < deadline) {
          let kind: string;
          let answer: Answer;
          if (phase.load === 'valid') {
            kind = 'valid';
            const { id, body } = probeRequest();
            answer = await post(init.gatewayUrl, body, probeHeaders);
            if (answer.status === 200 && answer.text !== expected.get(id)) {
              answer = { ...answer, label: '200 wrong answer' };
            }
          } else {
            const n = nonce++;
            const kinds = phase.kinds ?? HOSTILE_KIND_NAMES;
            const request = hostileRequest(kinds[n % kinds.length] ?? 'depth', n);
            kind = request.kind;
            const headers: Record<string, string> = request.signedIn
              ? { authorization: `Bearer ${init.analystToken}` }
              : {};
            answer = await post(init.gatewayUrl, request.body, headers);
          }
          counts.load.sent += 1;
          loadLatencies.push(answer.ms);
          count((counts.load.answers[kind] ??= {}), answer.label);
        }
      };

      const loops: Promise<void>[] = [];
      if (phase.probe) loops.push(probeLoop());
      if (phase.load !== 'none') {
        for (let i = 0; i < phase.concurrency; i += 1) loops.push(loadLoop());
      }
      if (loops.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, phase.seconds * 1000));
      }
      await Promise.all(loops);
      counts.seconds = (performance.now() - started) / 1000;
      counts.probe.latencyMs = summarize(probeLatencies);
      counts.load.latencyMs = summarize(loadLatencies);
      return counts;
    },
  };
}

function reply(message: ClientReply): void {
  process.send?.(message);
}

// Run as a child of bench/hostile.ts only.
if (process.send) {
  let client: ReturnType<typeof createClient> | undefined;
  process.on('message', (message: ClientMessage) => {
    const handle = async () => {
      if (message.type === 'init') {
        client = createClient(message);
        await client.prepare();
        reply({ type: 'ready' });
      } else if (message.type === 'run') {
        if (!client) throw new Error('run before init');
        reply({ type: 'done', counts: await client.run(message.phase) });
      } else {
        process.exit(0);
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
