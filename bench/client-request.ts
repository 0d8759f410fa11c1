// What the load generators of bench/hostile.ts and bench/soak.ts share: one POST timed and
// labelled by its outcome, a count by label, and a latency summary.

/** Bounds any single request: a phase, or a drain at its end, never outlasts it by more. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    count: sorted.length,
    p50: at(0.5) ?? 0,
    p99: at(0.99) ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
  };
}

export interface Answer {
  status: number;
  text: string;
  ms: number;
  /** `<status> <first error code>`, or `network error (<name>)` when no response came. */
  label: string;
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let code = '';
    try {
      const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: unknown } }[] };
      const first = parsed.errors?.[0]?.extensions?.code;
      code = typeof first === 'string' ? first : '';
    } catch {
      code = 'non-JSON body';
    }
    const label = code ? `${res.status} ${code}` : String(res.status);
    return { status: res.status, text, ms: performance.now() - started, label };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'error';
    return {
      status: 0,
      text: '',
      ms: performance.now() - started,
      label: `network error (${name})`,
    };
  }
}

/** Adds one to `into[key]`. */
export function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}
