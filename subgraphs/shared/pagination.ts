// Relay-style forward pagination over upstreams that page by number (pagina/dimensione)
// or by an opaque cursor. Cursors are opaque to clients; bad ones are BAD_USER_INPUT.
import type { Page } from './decode.js';
import { badUserInput } from './errors.js';

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Checks `first` against the field's documented maximum. */
export function checkFirst(
  first: number | null | undefined,
  max: number,
  fallback: number,
): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw badUserInput(`first must be between 1 and ${max}`, 'first');
  }
  return value;
}

export function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, kind: string): string {
  const text = /^[A-Za-z0-9_-]{1,512}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  if (!text.startsWith(`${kind}:`))
    throw badUserInput('after is not a cursor of this list', 'after');
  return text.slice(kind.length + 1);
}

/** The item offset an `after` cursor points past (0 without a cursor). */
export function offsetAfter(after: string | null | undefined): number {
  if (after === null || after === undefined) return 0;
  const value = Number(decodeCursor(after, 'o'));
  if (!Number.isSafeInteger(value) || value < 0)
    throw badUserInput('after is not a cursor of this list', 'after');
  return value + 1;
}

export interface PageRequest {
  pagina: number;
  dimensione: number;
}

/**
 * The upstream pages (1-based, of size `first`) that cover items [offset, offset+first).
 * One page when the offset is aligned, as it is for clients that keep `first` constant.
 */
export function pagesCovering(offset: number, first: number): PageRequest[] {
  const firstPage = Math.floor(offset / first);
  const lastPage = Math.floor((offset + first - 1) / first);
  const pages: PageRequest[] = [];
  for (let p = firstPage; p <= lastPage; p++) pages.push({ pagina: p + 1, dimensione: first });
  return pages;
}

/** Builds a connection from the items starting at `offset`, given the total. */
export function offsetConnection<T>(
  items: readonly T[],
  offset: number,
  first: number,
  total: number,
): Connection<T> {
  const slice = items.slice(0, first);
  const edges = slice.map((node, i) => ({ cursor: encodeCursor('o', offset + i), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: offset + slice.length < total,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: total,
  };
}

/**
 * A connection over a list the upstream pages by number: it loads the upstream pages of
 * size `first` that cover the items after `after`, which is one page when the client
 * keeps `first` constant, and two when it does not.
 */
export async function pagedConnection<T>(
  first: number,
  after: string | null | undefined,
  load: (page: PageRequest) => Promise<Page<T>>,
): Promise<Connection<T>> {
  const offset = offsetAfter(after);
  const pages = pagesCovering(offset, first);
  const answers = await Promise.all(pages.map(load));
  const skip = offset - ((pages[0]?.pagina ?? 1) - 1) * first;
  const items = answers.flatMap((page) => page.items).slice(skip);
  return offsetConnection(items, offset, first, answers.at(-1)?.total ?? 0);
}
