import { describe, expect, it } from 'vitest';
import type { Page } from './decode.js';
import { fakePage } from './fake-page.js';
import { encodeCursor, pagedConnection, type PageRequest } from './pagination.js';

const ITEMS = Array.from({ length: 25 }, (_, i) => `item${i}`);

function upstream() {
  const asked: PageRequest[] = [];
  const load = (page: PageRequest): Promise<Page<string>> => {
    asked.push(page);
    return Promise.resolve(fakePage(ITEMS, page.pagina, page.dimensione));
  };
  return { asked, load };
}

describe('pagedConnection', () => {
  it('asks one upstream page when the window starts on a page boundary', async () => {
    const { asked, load } = upstream();
    const connection = await pagedConnection(10, encodeCursor('o', 9), load);
    expect(asked).toEqual([{ pagina: 2, dimensione: 10 }]);
    expect(connection.edges.map((e) => e.node)).toEqual(ITEMS.slice(10, 20));
    expect(connection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(connection.totalCount).toBe(25);
  });

  it('asks the two pages covering a window that starts mid-page, and slices them', async () => {
    const { asked, load } = upstream();
    const connection = await pagedConnection(10, encodeCursor('o', 14), load);
    expect(asked).toEqual([
      { pagina: 2, dimensione: 10 },
      { pagina: 3, dimensione: 10 },
    ]);
    expect(connection.edges.map((e) => e.node)).toEqual(ITEMS.slice(15, 25));
    expect(connection.pageInfo.hasNextPage).toBe(false);
  });
});
