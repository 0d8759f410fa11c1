// Per-request loaders over the registry. The registry has no per-id endpoint: every
// lookup reads the (client-cached) whole document once per request.
import DataLoader from 'dataloader';
import { chunk, orderByKeys } from '../shared/batch.js';
import { once } from '../shared/memo.js';
import { DEFAULT_MIN_CELL_PEOPLE, suppressRows } from '../shared/suppression.js';
import { ACTIVITY_DESK_CAP, type RegistryClient } from './client.js';
import type {
  Comune,
  Desk,
  DeskActivity,
  DeskService,
  HostOrganization,
  Registry,
} from './model.js';

/** A row of desk activity once protected: `count` must not be shown when `suppressed`. */
export type ProtectedDeskActivity = DeskActivity & { suppressed: boolean };

export interface ActivityKey {
  deskId: string;
  from: string;
  to: string;
  service: DeskService | null;
}

export interface DeskLoaders {
  registry: () => Promise<Registry>;
  comuni: () => Promise<Comune[]>;
  deskById: DataLoader<string, Desk | null>;
  comuneByIstatCode: DataLoader<string, Comune | null>;
  hostById: DataLoader<string, HostOrganization | null>;
  activityByDesk: DataLoader<ActivityKey, ProtectedDeskActivity[], string>;
}

/**
 * A desk's month x service table, with the cells that would single people out hidden
 * (shared/suppression.ts). Registrations count people one each (one DID per person), so a
 * small cell here is exactly the small cell registrationStats hides; the other services
 * count sessions or communications, never fewer than the people they concern, so a count
 * under the threshold is hidden too. The table is always the whole desk and range, so the
 * same cells are hidden whichever service or desks a query asks for.
 */
function protectDeskTable(
  rows: readonly DeskActivity[],
  minPeople: number,
): ProtectedDeskActivity[] {
  const hidden = suppressRows(rows, {
    upstream: 'registry',
    minPeople,
    coordinates: (row) => [row.month, row.service],
    people: (row) => row.count,
  });
  return rows.map((row, i) => ({ ...row, suppressed: hidden[i] === true }));
}

export function createLoaders(
  client: RegistryClient,
  minCellPeople = DEFAULT_MIN_CELL_PEOPLE,
): DeskLoaders {
  const registry = once(() => client.getRegistry());
  const comuni = once(() => client.getComuni());
  return {
    registry,
    comuni,
    deskById: new DataLoader(async (ids) =>
      orderByKeys(ids, (await registry()).desks, (d) => d.id),
    ),
    comuneByIstatCode: new DataLoader(async (codes) =>
      orderByKeys(codes, await comuni(), (c) => c.istatCode),
    ),
    hostById: new DataLoader(async (ids) =>
      orderByKeys(ids, (await registry()).hosts, (h) => h.id),
    ),
    activityByDesk: new DataLoader(
      async (keys) => {
        // One upstream request per month range (and per 50 desks), whatever the service filter.
        const rangeOf = (k: ActivityKey): string => `${k.from}|${k.to}`;
        const byRange = new Map<string, ActivityKey[]>();
        for (const key of keys)
          byRange.set(rangeOf(key), [...(byRange.get(rangeOf(key)) ?? []), key]);
        const rowsByRange = new Map<string, DeskActivity[]>();
        await Promise.all(
          [...byRange.entries()].flatMap(([range, rangeKeys]) => {
            const { from, to } = rangeKeys[0] as ActivityKey;
            const rows: DeskActivity[] = [];
            rowsByRange.set(range, rows);
            const deskIds = [...new Set(rangeKeys.map((k) => k.deskId))];
            return chunk(deskIds, ACTIVITY_DESK_CAP).map(async (ids) => {
              // Only rows of the desks this request asked for: a foreign row must not pass
              // for a row of a desk another chunk asked for.
              const asked = new Set(ids);
              const answer = await client.getActivity({ deskIds: ids, from, to });
              rows.push(...answer.filter((row) => asked.has(row.deskId)));
            });
          }),
        );
        return keys.map((key) => {
          // A statistics table: a repeated (month, service) cell is not deduplicated but
          // refused by suppressRows, since no count can be picked between two.
          const forDesk = (rowsByRange.get(rangeOf(key)) ?? []).filter(
            (row) => row.deskId === key.deskId,
          );
          return protectDeskTable(forDesk, minCellPeople).filter(
            (row) => key.service === null || row.service === key.service,
          );
        });
      },
      { cacheKeyFn: (k) => `${k.deskId}|${k.from}|${k.to}|${k.service ?? ''}` },
    ),
  };
}
