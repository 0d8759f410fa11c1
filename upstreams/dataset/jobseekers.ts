/**
 * IDOL job-seeker records: who registered (DID) at which desk and when, service
 * pacts, special lists, income-support episodes and guidance sessions, derived from
 * the employment histories so that the systems agree: people register after losing
 * a job, or when an employer puts them on income support (compulsory in 2010);
 * young people who never worked register as "inoccupati".
 */
import { ageAt, dayOf, weekday, WINDOW_END, WINDOW_START, yearOf } from './calendar.js';
import { deskOpenOn, type Desk } from './desks.js';
import type { Employer } from './employers.js';
import type { Relationship } from './employment.js';
import type { Person } from './people.js';
import { WeightedChoice, type Rng } from './prng.js';

export interface Episode {
  person: number;
  employer: number;
  tipo: string;
  dal: number;
  al: number;
}

export interface SpecialList {
  lista: string;
  dal: number;
  al: number | null;
  categoria: string | null;
}

export interface Scheda {
  person: number;
  desk: string;
  status: string;
  condition: string | null;
  seniority: number | null;
  didDay: number;
  didEnd: number | null;
  didEndCause: string | null;
  pacts: { day: number; desk: string }[];
  lists: SpecialList[];
  episodes: Episode[];
}

export type SessionKind =
  'ACCOGLIENZA' | 'ORIENTAMENTO_BASE' | 'ORIENTAMENTO_SPECIALISTICO' | 'BILANCIO_COMPETENZE';
export type SessionOutcome = 'PATTO_SOTTOSCRITTO' | 'PROPOSTA_FORMATIVA' | 'RINVIO' | 'CONCLUSO';

export interface Session {
  id: string;
  person: number;
  desk: string;
  day: number;
  tipo: SessionKind;
  esito: SessionOutcome;
}

export interface JobSeekerInput {
  rng: Rng;
  scale: number;
  people: readonly Person[];
  /** People known only to IDOL: never employed, they register as inoccupati. */
  neverEmployed: readonly Person[];
  rels: readonly Relationship[];
  employers: readonly Employer[];
  desks: readonly Desk[];
}

export interface JobSeekers {
  schede: Scheda[];
  sessions: Session[];
  episodes: Episode[];
}

/** Next weekday on or after the day. */
function workday(day: number): number {
  const wd = weekday(day);
  return wd === 6 ? day + 2 : wd === 0 ? day + 1 : day;
}

// Year of the CIG episodes: "in deroga" dominated 2009-2012 (DOMAIN.md §3).
const CIG_YEAR = new WeightedChoice<number>([
  [2010, 35],
  [2011, 25],
  [2012, 20],
  [2013, 12],
  [2014, 8],
]);
const INDUSTRIAL = new Set(['13', '14', '25', '28']);
const L68_CATEGORY = new WeightedChoice<string>([
  ['D1', 55],
  ['D2', 5],
  ['D3', 5],
  ['D4', 10],
  ['D5', 5],
  ['C1', 10],
  ['C2', 5],
  ['C3', 2],
  ['C4', 3],
]);

export function buildJobSeekers(input: JobSeekerInput): JobSeekers {
  const { rng, scale, people, rels, employers, desks } = input;
  const deskByCode = new Map(desks.map((d) => [d.code, d]));
  const cpi = desks.find((d) => d.kind === 'CENTRO_IMPIEGO');
  if (!cpi) throw new Error('no employment centre among the desks');
  const deskFor = (p: Person, day: number): string => {
    if (p.comune === '100005' && rng.chance(0.3)) return cpi.code;
    const home = deskByCode.get(p.homeDesk);
    return home && deskOpenOn(home, day) ? home.code : cpi.code;
  };
  const sameOrCpi = (code: string, day: number): string => {
    const d = deskByCode.get(code);
    return d && deskOpenOn(d, day) ? code : cpi.code;
  };

  const relsByWorker = new Map<number, Relationship[]>();
  for (const r of rels) {
    if (r.cancelled) continue;
    const list = relsByWorker.get(r.worker) ?? [];
    list.push(r);
    relsByWorker.set(r.worker, list);
  }
  const activeAt = (r: Relationship, day: number): boolean =>
    r.start <= day && (r.ceased === null || r.ceased >= day);

  const schede: Scheda[] = [];
  const episodes: Episode[] = [];
  const taken = new Set<number>();
  const target = Math.round(50_000 * scale);

  const register = (
    p: Person,
    didDay: number,
    opts: { employedBy?: Relationship; episodes?: Episode[]; lists?: SpecialList[] } = {},
  ): Scheda | null => {
    const day = workday(didDay);
    if (day < WINDOW_START || day > WINDOW_END || taken.has(p.idx)) return null;
    if (ageAt(p.birth, day) < 16) return null;
    taken.add(p.idx);
    const desk = deskFor(p, day);
    const own = relsByWorker.get(p.idx) ?? [];
    const later = own
      .filter((r) => r.start > day && r.start <= WINDOW_END && r !== opts.employedBy)
      .sort((a, b) => a.start - b.start)[0];
    const employedAtEnd = own.some((r) => activeAt(r, WINDOW_END));
    let status: string;
    let didEnd: number | null = null;
    let didEndCause: string | null = null;
    let seniority: number | null = null;
    let condition: string | null = null;
    if (own.length === 0) {
      status = '01';
      seniority = day;
    } else if (opts.employedBy) {
      status = activeAt(opts.employedBy, WINDOW_END) ? '03' : '02';
      if (status === '02') seniority = opts.employedBy.ceased ?? day;
    } else if (later && activeAt(later, WINDOW_END)) {
      status = '04';
      didEnd = later.start;
      didEndCause = '03';
    } else {
      status = employedAtEnd ? '03' : '02';
      if (status === '02') seniority = day;
    }
    if (didEnd === null && rng.chance(0.08)) {
      const end = day + 30 + rng.int(Math.max(1, WINDOW_END - day - 30));
      if (end <= WINDOW_END && end > day) {
        didEnd = end;
        didEndCause = rng.chance(0.6) ? '01' : '02';
        status = '05';
        seniority = null;
      }
    }
    if (status !== '04' && ageAt(p.birth, WINDOW_END) >= 63 && rng.chance(0.5)) {
      status = '05';
      condition = 'PE';
      seniority = null;
    }
    const pacts: { day: number; desk: string }[] = [];
    if (rng.chance(0.85)) {
      const pd = workday(day + rng.int(21));
      if (pd <= WINDOW_END) pacts.push({ day: pd, desk: sameOrCpi(desk, pd) });
    }
    const lists = [...(opts.lists ?? [])];
    if (rng.chance(0.03)) {
      lists.push({
        lista: '3',
        dal: Math.min(WINDOW_END, day + rng.int(30)),
        al: null,
        categoria: L68_CATEGORY.draw(rng),
      });
    }
    const s: Scheda = {
      person: p.idx,
      desk,
      status,
      condition,
      seniority,
      didDay: day,
      didEnd,
      didEndCause,
      pacts,
      lists,
      episodes: opts.episodes ?? [],
    };
    for (const e of s.episodes) episodes.push(e);
    schede.push(s);
    return s;
  };

  // 1. inoccupati: never employed, known to IDOL only
  for (const p of input.neverEmployed) {
    const sixteen = dayOf(yearOf(p.birth) + 16, 12, 31);
    const from = Math.max(WINDOW_START, sixteen);
    if (from > WINDOW_END) continue;
    register(p, from + rng.int(WINDOW_END - from + 1));
  }

  const active = rels.filter((r) => !r.cancelled && r.worker >= 0);
  const ceased = active.filter((r) => r.ceased !== null);

  // 2. income support on the job: CIG (ordinary, extraordinary, in deroga), solidarity
  const cigTarget = Math.round(11_000 * scale);
  for (let n = 0, guard = 0; n < cigTarget && guard < cigTarget * 20; guard++) {
    const r = rng.pick(active);
    const e = employers[r.employer];
    if (!e || e.division === '88') continue;
    const year = CIG_YEAR.draw(rng);
    const from = Math.max(r.start, dayOf(year, 1, 1));
    const to = Math.min(r.ceased ?? WINDOW_END, dayOf(year, 12, 31));
    if (to - from < 20) continue;
    const p = people[r.worker];
    if (!p || taken.has(p.idx)) continue;
    const dal = workday(from + rng.int(to - from - 10));
    const small = e.size <= '2' || !INDUSTRIAL.has(e.division);
    let tipo: string;
    if (small || (year <= 2012 && rng.chance(0.2))) tipo = 'CIGD';
    else tipo = rng.chance(0.45) ? 'CIGO' : rng.chance(0.75) ? 'CIGS' : 'COSD';
    const limit = r.ceased ?? dayOf(2015, 6, 30);
    const al = Math.min(limit, dal + rng.range(30, 300));
    if (al <= dal) continue;
    const eps: Episode[] = [{ person: p.idx, employer: e.idx, tipo, dal, al }];
    if (rng.chance(0.2) && al + 1 < limit) {
      const al2 = Math.min(limit, al + rng.range(60, 240));
      if (al2 > al + 1) {
        eps.push({
          person: p.idx,
          employer: e.idx,
          tipo: tipo === 'CIGO' ? 'CIGS' : tipo,
          dal: al + 1,
          al: al2,
        });
      }
    }
    if (register(p, dal + rng.int(8), { employedBy: r, episodes: eps })) n++;
  }

  // 3. dismissed workers: mobility (lists 1 and 2), unemployment benefit, or nothing
  const mobTarget = Math.round(2_500 * scale);
  const disTarget = Math.round(9_000 * scale);
  const shuffled = rng.shuffle([...ceased]);
  let mob = 0;
  let dis = 0;
  for (const r of shuffled) {
    if (schede.length >= target) break;
    const p = people[r.worker];
    const e = employers[r.employer];
    const end = r.ceased;
    if (!p || !e || end === null || taken.has(p.idx)) continue;
    const ces = r.events.find((ev) => ev.tipo === 'CES');
    const causa = ces?.causa ?? 'SC';
    if (causa === 'PE') continue;
    if (mob < mobTarget && (causa === 'LC' || causa === 'GM')) {
      const dal = end + 1;
      const al = dal + rng.range(365, 1095);
      const lista = causa === 'LC' && e.size >= '3' ? '1' : '2';
      const s = register(p, dal + rng.int(15), {
        episodes: [{ person: p.idx, employer: e.idx, tipo: 'MOB', dal, al }],
        lists: [{ lista, dal, al: al <= WINDOW_END ? al : null, categoria: null }],
      });
      if (s) mob++;
      continue;
    }
    if (dis < disTarget && causa !== 'DI') {
      const dal = end + 8;
      const s = register(p, end + 1 + rng.int(30), {
        episodes: [
          { person: p.idx, employer: e.idx, tipo: 'DIS', dal, al: dal + rng.range(90, 240) },
        ],
      });
      if (s) dis++;
      continue;
    }
    register(p, end + 1 + rng.int(120));
  }

  // 4. guidance sessions
  const sessions: Session[] = [];
  for (const s of schede) {
    const p = people[s.person];
    if (!p) continue;
    const add = (day: number, tipo: SessionKind, esito: SessionOutcome): void => {
      const d = workday(day);
      if (d > WINDOW_END) return;
      sessions.push({ id: '', person: s.person, desk: sameOrCpi(s.desk, d), day: d, tipo, esito });
    };
    if (rng.chance(0.5)) add(s.didDay, 'ACCOGLIENZA', 'RINVIO');
    const pact = s.pacts[0];
    if (pact) add(pact.day, 'ORIENTAMENTO_BASE', 'PATTO_SOTTOSCRITTO');
    if (rng.chance(0.4)) {
      add(
        s.didDay + rng.range(30, 200),
        'ORIENTAMENTO_SPECIALISTICO',
        rng.pick(['PROPOSTA_FORMATIVA', 'CONCLUSO', 'RINVIO'] as const),
      );
    }
    if (rng.chance(0.15)) add(s.didDay + rng.range(60, 300), 'BILANCIO_COMPETENZE', 'CONCLUSO');
  }
  sessions.sort((a, b) => a.day - b.day || a.person - b.person);
  sessions.forEach((s, i) => {
    s.id = `G${String(i + 1).padStart(7, '0')}`;
  });
  return { schede, sessions, episodes };
}
