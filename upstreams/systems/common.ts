/** Patterns and helpers shared by the systems' route handlers. */

export const PATTERNS = {
  worker: /^L\d{7}$/,
  employer: /^A\d{6}$/,
  communication: /^C\d{8}$/,
  vacancy: /^O\d{6}$/,
  course: /^TR\d{4,6}$/,
  desk: /^[A-Z0-9][A-Z0-9-]{0,29}$/,
  comune: /^\d{6}$/,
  partitaIva: /^\d{11}$/,
  fiscalCode:
    /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/,
} as const;

/** Bounded memo of statistics answers (the data only changes through this process). */
export class AnswerCache {
  private readonly entries = new Map<string, string>();
  constructor(private readonly limit = 256) {}

  get(key: string, compute: () => string): string {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** `{"gruppi":[...]}` from GROUP BY rows, dimensions renamed to their API names. */
export function groupsBody(rows: readonly Record<string, unknown>[]): string {
  return `{"gruppi":${JSON.stringify(rows)}}`;
}
