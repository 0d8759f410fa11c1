// Test-only: how the upstreams' fakes answer a numbered page (`pagina`, `dimensione`) of a
// list. Not imported by production code.
import type { Page } from './decode.js';

export function fakePage<T>(items: readonly T[], pagina: number, dimensione: number): Page<T> {
  const start = (pagina - 1) * dimensione;
  return {
    total: items.length,
    page: pagina,
    size: dimensione,
    items: items.slice(start, start + dimensione),
  };
}
