import { describe, expect, it } from 'vitest';
import type { RegistryClient } from './client.js';
import { createLoaders } from './loaders.js';
import type { Comune, DeskActivity, Registry } from './model.js';

const desk = (id: string, comuneIstat = '100005') => ({
  id,
  kind: 'LABOUR_REGISTRY_DESK' as const,
  name: `Desk ${id}`,
  address: 'Via Roma 1',
  comuneIstat,
  district: null,
  hostId: null,
  openingHours: [],
  services: [],
  accreditation: null,
  publicWorkstationCount: 0,
  openedOn: '2010-01-01',
  closedOn: null,
});

function fakeClient(deskIds: string[]) {
  const calls: string[] = [];
  const client = {
    getRegistry: () => {
      calls.push('sportelli');
      return Promise.resolve<Registry>({
        revision: 'r',
        desks: deskIds.map((id) => desk(id)),
        hosts: [],
      });
    },
    getComuni: () => {
      calls.push('comuni');
      return Promise.resolve<Comune[]>([]);
    },
    getActivity: (p: { deskIds?: readonly string[]; from: string; to: string }) => {
      calls.push(`attivita ${p.deskIds?.join(',')} ${p.from}..${p.to}`);
      return Promise.resolve<DeskActivity[]>(
        (p.deskIds ?? []).flatMap((deskId) => [
          { deskId, month: p.from, service: 'REGISTRATION' as const, count: 3 },
          { deskId, month: p.from, service: 'GUIDANCE' as const, count: 4 },
        ]),
      );
    },
  };
  return { calls, client: client as unknown as RegistryClient };
}

describe('desk loaders', () => {
  it('read the registry document once per request for any number of desk lookups', async () => {
    const { calls, client } = fakeClient(['A', 'B', 'C']);
    const loaders = createLoaders(client);
    const desks = await Promise.all(['C', 'A', 'X', 'A'].map((id) => loaders.deskById.load(id)));
    expect(desks.map((d) => d?.id ?? null)).toEqual(['C', 'A', null, 'A']);
    await loaders.registry();
    expect(calls).toEqual(['sportelli']);
  });

  it('batch activity of many desks into one request per month range, filtering services per key', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `D${i}`);
    const { calls, client } = fakeClient(ids);
    const loaders = createLoaders(client);
    const results = await Promise.all([
      ...ids.map((deskId) =>
        loaders.activityByDesk.load({ deskId, from: '2011-01', to: '2011-12', service: null }),
      ),
      loaders.activityByDesk.load({
        deskId: 'D1',
        from: '2011-01',
        to: '2011-12',
        service: 'GUIDANCE',
      }),
      loaders.activityByDesk.load({ deskId: 'D1', from: '2012-01', to: '2012-03', service: null }),
    ]);
    expect(calls).toEqual([
      `attivita ${ids.slice(0, 50).join(',')} 2011-01..2011-12`,
      `attivita ${ids.slice(50).join(',')} 2011-01..2011-12`,
      'attivita D1 2012-01..2012-03',
    ]);
    expect(results[0]).toHaveLength(2);
    expect(results[60]).toEqual([
      { deskId: 'D1', month: '2011-01', service: 'GUIDANCE', count: 4, suppressed: true },
    ]);
    expect(results[61]!.every((r) => r.month === '2012-01')).toBe(true);
  });

  it("hide a desk's small activity cells, and a second cell wherever one alone would be recomputable", async () => {
    const { client } = fakeClient(['A']);
    const rows: DeskActivity[] = [
      { deskId: 'A', month: '2011-01', service: 'REGISTRATION', count: 40 },
      { deskId: 'A', month: '2011-01', service: 'GUIDANCE', count: 2 },
      { deskId: 'A', month: '2011-01', service: 'COUNSELLING', count: 30 },
      { deskId: 'A', month: '2011-02', service: 'REGISTRATION', count: 50 },
      { deskId: 'A', month: '2011-02', service: 'GUIDANCE', count: 60 },
      { deskId: 'A', month: '2011-02', service: 'COUNSELLING', count: 70 },
    ];
    (client as unknown as { getActivity: () => Promise<DeskActivity[]> }).getActivity = () =>
      Promise.resolve(rows);
    const result = await createLoaders(client).activityByDesk.load({
      deskId: 'A',
      from: '2011-01',
      to: '2011-02',
      service: null,
    });
    const hidden = result.filter((r) => r.suppressed);
    expect(hidden.some((r) => r.count < 5)).toBe(true);
    expect(result.filter((r) => !r.suppressed).every((r) => r.count >= 5)).toBe(true);
    // The small cell's month and service each lose a second cell too.
    expect(hidden.length).toBeGreaterThanOrEqual(2);
    for (const month of ['2011-01'])
      expect(hidden.filter((r) => r.month === month).length).not.toBe(1);
    for (const service of ['GUIDANCE'])
      expect(hidden.filter((r) => r.service === service).length).not.toBe(1);
  });

  it("drop a row one request answers for a desk only another request asked, instead of refusing that desk's table", async () => {
    const ids = Array.from({ length: 51 }, (_, i) => `D${i}`);
    const { client } = fakeClient(ids);
    const honest = client.getActivity.bind(client);
    (client as unknown as { getActivity: RegistryClient['getActivity'] }).getActivity = async (
      p,
    ) => [
      ...(await honest(p)),
      // The first request (D0..D49) also answers a cell of D50, which it did not ask for.
      ...(p.deskIds?.includes('D0')
        ? [{ deskId: 'D50', month: p.from, service: 'REGISTRATION' as const, count: 999 }]
        : []),
    ];
    const loaders = createLoaders(client);
    const tables = await loaders.activityByDesk.loadMany(
      ids.map((deskId) => ({ deskId, from: '2011-01', to: '2011-12', service: null })),
    );
    const [d49, d50] = [tables[49], tables[50]];
    if (d49 instanceof Error || d50 instanceof Error || !d49 || !d50) throw new Error('no table');
    expect(d50).toEqual(d49.map((r) => ({ ...r, deskId: 'D50' })));
  });

  it('refuse a table in which the registry repeats a cell: no count can be picked between two', async () => {
    const { client } = fakeClient(['A']);
    const row = { deskId: 'A', month: '2011-01', service: 'REGISTRATION' as const, count: 40 };
    (client as unknown as { getActivity: () => Promise<DeskActivity[]> }).getActivity = () =>
      Promise.resolve([row, { ...row }]);
    await expect(
      createLoaders(client).activityByDesk.load({
        deskId: 'A',
        from: '2011-01',
        to: '2011-01',
        service: null,
      }),
    ).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });
});
