/**
 * Employment relationships and the compulsory communications they produce.
 *
 * A relationship starts with a hiring (ASS), may be extended (PRO) or transformed
 * (TRS), and ends with a termination (CES). Hirings of 2010-2014 are drawn with the
 * seasonality of DOMAIN.md §5; relationships started before 2010 ("stock") supply
 * the terminations, extensions and transformations that fall in the window, so that
 * the mix comes out near 40/40/12/8. Every event carries the contract code valid
 * on its date (reference/co_tipologia_contrattuale.csv).
 */
import {
  ageAt,
  dayOf,
  endOfMonth,
  monthOf,
  nextHalfYearEnd,
  weekday,
  WINDOW_END,
  WINDOW_START,
  yearOf,
  dayOfMonth,
} from './calendar.js';
import type { Desk } from './desks.js';
import { deskOpenOn } from './desks.js';
import type { Employer } from './employers.js';
import type { Person, PoolName } from './people.js';
import { AliasTable, WeightedChoice, type Rng } from './prng.js';

export type Family =
  | 'TI'
  | 'TD'
  | 'SOMM_TI'
  | 'SOMM_TD'
  | 'INT_TI'
  | 'INT_TD'
  | 'PROG'
  | 'APPR'
  | 'DOM_TI'
  | 'DOM_TD'
  | 'TIR';
export type CommType = 'ASS' | 'PRO' | 'TRS' | 'CES';
export type Nature = 'ORDINARIA' | 'URGENTE' | 'RETTIFICA' | 'ANNULLAMENTO';
export type Form = 'UNILAV' | 'UNISOMM' | 'VARDATORI' | 'URGENZA';

export interface RelEvent {
  tipo: CommType;
  day: number;
  /** dataFine on the event: the term in force, or null */
  end: number | null;
  family: Family;
  orario: string;
  ore: number | null;
  trasformazione: string | null;
  causa: string | null;
}

export interface Relationship {
  idx: number;
  worker: number;
  employer: number;
  pool: PoolName;
  family: Family;
  variant: number;
  start: number;
  sede: string;
  qualifica: string;
  ccnl: string | null;
  agency: boolean;
  /** Events inside the window, in order. */
  events: RelEvent[];
  /** Day of the termination, when it falls in the window. */
  ceased: number | null;
  cancelled: boolean;
}

export interface Comm {
  rel: number;
  seq: number;
  tipo: CommType;
  natura: Nature;
  modulo: Form;
  day: number;
  sent: number;
  end: number | null;
  contract: string;
  orario: string;
  ore: number | null;
  qualifica: string;
  trasformazione: string | null;
  causa: string | null;
  desk: string | null;
  precedente: Comm | null;
  id: string;
  codice: string;
}

const APPRENTICESHIP_REFORM = dayOf(2012, 4, 26);
const CODE_MERGE = dayOf(2013, 1, 10);
const PROJECT_WORK_END = dayOf(2012, 12, 31);

const APPR_OLD = ['A.03.02', 'A.03.01', 'A.03.03'] as const;
const APPR_NEW = ['A.03.09', 'A.03.08', 'A.03.10'] as const;

/** The contract code valid on the day for a relationship of this family. */
export function contractCode(family: Family, variant: number, day: number): string {
  const merged = day >= CODE_MERGE;
  switch (family) {
    case 'TI':
      return 'A.01.00';
    case 'TD':
      return variant === 1 ? 'A.02.01' : 'A.02.00';
    // agency work: the A.06 codes lapse with the 2013 merge; UNISOMM then carries
    // the ordinary open-ended / fixed-term codes
    case 'SOMM_TI':
      return merged ? 'A.01.00' : 'A.06.00';
    case 'SOMM_TD':
      return merged ? 'A.02.00' : 'A.06.01';
    case 'INT_TI':
      return merged ? 'A.05.02' : 'A.05.00';
    case 'INT_TD':
      return merged ? 'A.05.02' : 'A.05.01';
    case 'PROG':
      return 'B.01.00';
    case 'APPR':
      return (day >= APPRENTICESHIP_REFORM ? APPR_NEW : APPR_OLD)[variant] ?? 'A.03.09';
    case 'DOM_TI':
      return merged ? 'A.04.02' : 'A.04.00';
    case 'DOM_TD':
      return merged ? 'A.04.02' : 'A.04.01';
    case 'TIR':
      return 'C.01.00';
  }
}

const OPEN_ENDED = new Set<Family>(['TI', 'SOMM_TI', 'INT_TI', 'DOM_TI']);

// Hiring mix (DOMAIN.md §5): fixed-term 50, open-ended 18, agency 8, intermittent 6,
// project work 6 (until 2012, then fixed-term), apprenticeship 4, domestic 5, rest
// traineeship.
const HIRING_MIX = new WeightedChoice<string>([
  ['TD', 50],
  ['TI', 18],
  ['SOMM', 8],
  ['INT', 6],
  ['PROG', 6],
  ['APPR', 4],
  ['DOM', 5],
  ['TIR', 3],
]);

const HIRE_MONTH = [1.45, 0.95, 1.0, 0.95, 0.95, 0.9, 0.85, 0.3, 1.5, 1.1, 0.95, 0.7];
const YEAR_FACTOR: Readonly<Record<number, number>> = {
  2010: 0.98,
  2011: 1.03,
  2012: 0.97,
  2013: 0.98,
  2014: 1.04,
};

function hireDaySampler(): { days: number[]; table: AliasTable } {
  const days: number[] = [];
  const weights: number[] = [];
  for (let d = WINDOW_START; d <= WINDOW_END; d++) {
    const wd = weekday(d);
    let w = (HIRE_MONTH[monthOf(d) - 1] ?? 1) * (YEAR_FACTOR[yearOf(d)] ?? 1);
    if (wd === 0) w *= 0.02;
    else if (wd === 6) w *= 0.08;
    else if (wd === 1) w *= 1.3;
    const dom = dayOfMonth(d);
    if (dom <= 3 && wd !== 0 && wd !== 6) w *= 2.2;
    days.push(d);
    weights.push(w);
  }
  return { days, table: new AliasTable(weights) };
}

/**
 * Terminations: spread over the year, heavier at month ends, spikes on 30/6 and
 * 31/12; `yearWeight` tilts them towards the years that need more.
 */
function terminationDaySampler(yearWeight: (year: number) => number): {
  days: number[];
  table: AliasTable;
} {
  const days: number[] = [];
  const weights: number[] = [];
  for (let d = WINDOW_START; d <= WINDOW_END; d++) {
    const wd = weekday(d);
    let w = (wd === 0 || wd === 6 ? 0.3 : 1) * yearWeight(yearOf(d));
    if (d === endOfMonth(d)) w *= 8;
    const m = monthOf(d);
    const dom = dayOfMonth(d);
    if ((m === 6 && dom === 30) || (m === 12 && dom === 31)) w *= 6;
    if (m === 8) w *= 0.6;
    days.push(d);
    weights.push(w);
  }
  return { days, table: new AliasTable(weights) };
}

function snapEnd(rng: Rng, d: number): number {
  const r = rng.next();
  if (r < 0.25) {
    const h = nextHalfYearEnd(d);
    if (h - d <= 75) return h;
  }
  if (r < 0.6) return endOfMonth(d);
  return d;
}

function duration(rng: Rng, bands: readonly (readonly [number, number, number])[]): number {
  let r = rng.next();
  for (const [lo, hi, p] of bands) {
    if (r < p) return rng.range(lo, hi);
    r -= p;
  }
  const last = bands[bands.length - 1];
  return last ? rng.range(last[0], last[1]) : 30;
}

const TERM: Readonly<Partial<Record<Family, readonly (readonly [number, number, number])[]>>> = {
  TD: [
    [7, 30, 0.15],
    [31, 90, 0.25],
    [91, 180, 0.25],
    [181, 365, 0.27],
    [366, 730, 0.08],
  ],
  SOMM_TD: [
    [3, 30, 0.4],
    [31, 90, 0.35],
    [91, 180, 0.25],
  ],
  INT_TD: [
    [30, 180, 0.6],
    [181, 365, 0.4],
  ],
  PROG: [[90, 365, 1]],
  APPR: [[730, 1460, 1]],
  DOM_TD: [[60, 365, 1]],
  TIR: [[90, 180, 1]],
};
const EXTENSION: readonly (readonly [number, number, number])[] = [
  [30, 90, 0.5],
  [91, 180, 0.35],
  [181, 365, 0.15],
];
const TENURE_MEAN: Readonly<Partial<Record<Family, number>>> = {
  TI: 2100,
  SOMM_TI: 700,
  INT_TI: 500,
  DOM_TI: 900,
};
const EARLY_END: Readonly<Partial<Record<Family, number>>> = {
  TD: 0.12,
  SOMM_TD: 0.08,
  INT_TD: 0.15,
  PROG: 0.1,
  APPR: 0.25,
  DOM_TD: 0.15,
  TIR: 0.1,
};
const EXTEND: Readonly<Partial<Record<Family, number>>> = {
  TD: 0.42,
  SOMM_TD: 0.5,
  INT_TD: 0.25,
  PROG: 0.3,
  DOM_TD: 0.35,
  TIR: 0.12,
};
const OPEN_ENDED_CAUSE = new WeightedChoice<string>([
  ['DI', 45],
  ['GM', 18],
  ['LC', 5],
  ['RC', 10],
  ['PE', 6],
  ['AL', 8],
]);
const EARLY_CAUSE = new WeightedChoice<string>([
  ['DI', 50],
  ['GM', 20],
  ['RC', 20],
  ['AL', 10],
]);
const PART_TIME = new WeightedChoice<string>([
  ['P', 80],
  ['V', 10],
  ['M', 10],
]);
const PART_TIME_HOURS = [15, 18, 20, 20, 20, 24, 24, 25, 30, 30, 32, 35];

function partTimeHours(rng: Rng): number {
  return rng.pick(PART_TIME_HOURS);
}

interface Timeline {
  events: RelEvent[];
  ceased: number | null;
}

function withinWindow(d: number): boolean {
  return d >= WINDOW_START && d <= WINDOW_END;
}

/** The life of one relationship: its events (only those in the window are kept). */
function timeline(
  rng: Rng,
  startFamily: Family,
  start: number,
  orario0: string,
  ore0: number | null,
  initialEnd: number | null,
): Timeline {
  const events: RelEvent[] = [];
  let family = startFamily;
  let orario = orario0;
  let ore = ore0;
  let end = initialEnd;
  let ceased: number | null = null;
  const push = (
    tipo: CommType,
    day: number,
    extra: { trasformazione?: string; causa?: string; end?: number | null } = {},
  ): void => {
    if (!withinWindow(day)) return;
    events.push({
      tipo,
      day,
      end: extra.end !== undefined ? extra.end : end,
      family,
      orario,
      ore,
      trasformazione: extra.trasformazione ?? null,
      causa: extra.causa ?? null,
    });
  };
  push('ASS', start);
  let t = start;
  let extensions = 0;
  for (let guard = 0; guard < 8 && t <= WINDOW_END; guard++) {
    if (end !== null) {
      if (rng.chance(EARLY_END[family] ?? 0.1)) {
        const d = t + rng.int(Math.max(1, end - t));
        push('CES', d, { causa: EARLY_CAUSE.draw(rng) });
        if (withinWindow(d)) ceased = d;
        break;
      }
      if (extensions < 2 && rng.chance(EXTEND[family] ?? 0)) {
        const newEnd = snapEnd(rng, end + duration(rng, EXTENSION));
        const d = end + 1;
        end = newEnd;
        push('PRO', d);
        t = d;
        extensions++;
        continue;
      }
      if (family === 'TD' && rng.chance(0.26)) {
        const d = end + 1;
        family = 'TI';
        end = null;
        push('TRS', d, { trasformazione: 'DI' });
        t = d;
        continue;
      }
      if (family === 'APPR' && rng.chance(0.55)) {
        const d = end + 1;
        family = 'TI';
        end = null;
        push('TRS', d, { trasformazione: 'AI' });
        t = d;
        continue;
      }
      push('CES', end, { causa: 'SC' });
      if (withinWindow(end)) ceased = end;
      break;
    } else {
      const exit = snapEnd(rng, t + 1 + Math.floor(rng.exponential(TENURE_MEAN[family] ?? 1500)));
      if (family !== 'DOM_TI' && rng.chance(0.2) && exit - t > 30) {
        const d = t + 1 + rng.int(exit - t - 1);
        if (orario === 'F') {
          orario = PART_TIME.draw(rng);
          ore = partTimeHours(rng);
          push('TRS', d, { trasformazione: 'TP' });
        } else {
          orario = 'F';
          ore = null;
          push('TRS', d, { trasformazione: 'PP' });
        }
      }
      push('CES', exit, { causa: OPEN_ENDED_CAUSE.draw(rng) });
      if (withinWindow(exit)) ceased = exit;
      break;
    }
  }
  return { events, ceased };
}

export interface EmploymentInput {
  rng: Rng;
  employers: readonly Employer[];
  /** Target number of communications (about 400,000 at scale 1). */
  target: number;
  occupations: ReadonlyMap<string, string>;
}

/** Occupations (CP2011, 6 levels) by ATECO division, with weights. */
const QUALIFICHE: Readonly<Record<string, readonly (readonly [string, number])[]>> = {
  '13': [
    ['7.2.6.2.0.0', 25],
    ['6.5.3.2.1.0', 15],
    ['7.2.6.1.0.0', 15],
    ['6.5.3.2.3.0', 8],
    ['7.2.6.4.0.0', 8],
    ['7.2.6.9.0.0', 10],
    ['8.4.3.1.0.0', 8],
    ['3.1.3.7.2.0', 3],
    ['4.1.1.1.0.0', 3],
    ['3.3.1.2.1.0', 3],
    ['8.1.3.2.0.0', 2],
  ],
  '14': [
    ['6.5.3.3.3.0', 30],
    ['7.2.6.3.0.0', 25],
    ['6.5.3.3.2.0', 12],
    ['6.5.3.3.4.0', 6],
    ['6.5.3.3.1.0', 4],
    ['8.4.3.1.0.0', 10],
    ['8.1.3.2.0.0', 6],
    ['4.1.1.1.0.0', 3],
    ['6.5.3.2.2.0', 4],
  ],
  '25': [
    ['6.2.1.2.0.0', 25],
    ['6.2.1.4.0.0', 20],
    ['7.2.1.1.0.0', 25],
    ['6.2.3.3.1.0', 15],
    ['8.4.3.1.0.0', 15],
  ],
  '28': [
    ['6.2.3.3.2.0', 30],
    ['7.2.1.1.0.0', 30],
    ['6.2.3.3.1.0', 25],
    ['3.3.1.2.1.0', 15],
  ],
  '38': [
    ['8.1.4.5.0.0', 60],
    ['7.4.2.3.0.0', 40],
  ],
  '43': [
    ['6.1.2.1.0.0', 30],
    ['6.1.2.3.0.0', 10],
    ['6.1.3.6.1.0', 12],
    ['6.1.3.7.0.0', 12],
    ['8.4.2.1.0.0', 36],
  ],
  '46': [
    ['5.1.2.1.0.0', 35],
    ['3.3.1.2.1.0', 15],
    ['4.1.1.1.0.0', 15],
    ['8.1.3.2.0.0', 20],
    ['8.1.3.1.0.0', 15],
  ],
  '47': [
    ['5.1.2.2.0.0', 75],
    ['5.1.2.4.0.0', 25],
  ],
  '49': [
    ['7.4.2.3.0.0', 50],
    ['8.1.3.1.0.0', 25],
    ['8.1.3.3.0.0', 25],
  ],
  '56': [
    ['5.2.2.1.0.0', 30],
    ['5.2.2.4.0.0', 35],
    ['8.1.4.2.0.0', 35],
  ],
  '81': [['8.1.4.3.0.0', 100]],
  '88': [
    ['5.4.4.3.0.0', 70],
    ['5.4.4.2.0.0', 30],
  ],
  '96': [
    ['6.5.3.7.0.0', 60],
    ['7.2.6.4.0.0', 40],
  ],
};
const DOMESTIC_QUALIFICHE = new WeightedChoice<string>([
  ['5.4.4.3.0.0', 60],
  ['5.4.4.1.0.0', 40],
]);

export function occupationCodes(): string[] {
  const all = new Set<string>(['5.4.4.3.0.0', '5.4.4.1.0.0']);
  for (const list of Object.values(QUALIFICHE)) for (const [code] of list) all.add(code);
  return [...all];
}

export function qualificaChooser(): (rng: Rng, division: string) => string {
  const choices = new Map<string, WeightedChoice<string>>();
  for (const [div, list] of Object.entries(QUALIFICHE)) choices.set(div, new WeightedChoice(list));
  return (rng, division) => {
    const c = choices.get(division);
    return c ? c.draw(rng) : '8.4.3.1.0.0';
  };
}

function poolFor(rng: Rng, e: Employer, domestic: boolean): PoolName {
  const r = rng.next();
  if (domestic) return r < 0.55 ? 'OF' : r < 0.95 ? 'IT' : 'CN';
  if (e.chinese) return r < 0.85 ? 'CN' : r < 0.9 ? 'OF' : 'IT';
  return r < 0.07 ? 'CN' : r < 0.28 ? 'OF' : 'IT';
}

function initialOrario(rng: Rng, family: Family): [string, number | null] {
  if (family === 'PROG') return ['N', null];
  const partShare =
    family === 'DOM_TI' || family === 'DOM_TD' ? 0.55 : family.startsWith('INT') ? 0.4 : 0.28;
  if (rng.chance(partShare)) return [PART_TIME.draw(rng), partTimeHours(rng)];
  return ['F', null];
}

/** Plan every relationship with events in the window (workers not yet assigned). */
export function planRelationships(input: EmploymentInput): Relationship[] {
  const { rng, employers, target } = input;
  for (const code of occupationCodes()) {
    if (!input.occupations.has(code)) throw new Error(`occupation ${code} missing from CP2011`);
  }
  const hires = hireDaySampler();
  const all = new AliasTable(employers.map((e) => e.weight));
  const careEmployers = employers.filter((e) => e.division === '88' || e.division === '81');
  const care = careEmployers.length > 0 ? new AliasTable(careEmployers.map((e) => e.weight)) : all;
  const qualifica = qualificaChooser();
  const rels: Relationship[] = [];
  const nHires = Math.round(target * 0.4);
  let ces = 0;
  const add = (
    family: Family,
    variant: number,
    start: number,
    employer: Employer,
    domestic: boolean,
    tl: Timeline,
  ): void => {
    rels.push({
      idx: rels.length,
      worker: -1,
      employer: employer.idx,
      pool: poolFor(rng, employer, domestic),
      family,
      variant,
      start,
      sede: rng.chance(0.9) ? employer.comune : rng.pick(['100005', '100003', '100006']),
      qualifica: domestic ? DOMESTIC_QUALIFICHE.draw(rng) : qualifica(rng, employer.division),
      ccnl: domestic ? '208' : employer.ccnl,
      agency: family === 'SOMM_TD' || family === 'SOMM_TI',
      events: tl.events,
      ceased: tl.ceased,
      cancelled: false,
    });
    for (const e of tl.events) if (e.tipo === 'CES') ces++;
  };

  for (let i = 0; i < nHires; i++) {
    const start = hires.days[hires.table.draw(rng)] ?? WINDOW_START;
    let kind = HIRING_MIX.draw(rng);
    if (kind === 'PROG' && start > PROJECT_WORK_END) kind = 'TD';
    let family: Family;
    let variant = 0;
    switch (kind) {
      case 'SOMM':
        family = rng.chance(0.85) ? 'SOMM_TD' : 'SOMM_TI';
        break;
      case 'INT':
        family = rng.chance(0.6) ? 'INT_TD' : 'INT_TI';
        break;
      case 'DOM':
        family = rng.chance(0.4) ? 'DOM_TD' : 'DOM_TI';
        break;
      case 'APPR':
        family = 'APPR';
        variant = rng.chance(0.85) ? 0 : rng.chance(0.7) ? 1 : 2;
        break;
      case 'TD':
        family = 'TD';
        variant = rng.chance(0.1) ? 1 : 0;
        break;
      default:
        family = kind as Family;
    }
    const domestic = family === 'DOM_TD' || family === 'DOM_TI';
    const employer = domestic
      ? (careEmployers[care.draw(rng)] ?? employers[0]!)
      : (employers[all.draw(rng)] ?? employers[0]!);
    const [orario, ore] = initialOrario(rng, family);
    const term = TERM[family];
    const end = OPEN_ENDED.has(family) || !term ? null : snapEnd(rng, start + duration(rng, term));
    add(family, variant, start, employer, domestic, timeline(rng, family, start, orario, ore, end));
  }

  // Stock: relationships begun before 2010 that end (and sometimes change) in the
  // window, more of them in the early years, where few 2010+ hirings have ended yet.
  const cesTarget = Math.round(target * 0.4);
  const cesByYear = new Map<number, number>();
  for (const r of rels) {
    for (const e of r.events) {
      if (e.tipo === 'CES') cesByYear.set(yearOf(e.day), (cesByYear.get(yearOf(e.day)) ?? 0) + 1);
    }
  }
  const perYear = cesTarget / 5;
  const terminations = terminationDaySampler((year) =>
    Math.max(perYear * 0.05, perYear - (cesByYear.get(year) ?? 0)),
  );
  const stockFamily = new WeightedChoice<Family>([
    ['TI', 68],
    ['TD', 20],
    ['DOM_TI', 6],
    ['INT_TI', 3],
    ['SOMM_TI', 3],
  ]);
  for (let guard = 0; ces < cesTarget && guard < cesTarget * 3; guard++) {
    const family = stockFamily.draw(rng);
    const domestic = family === 'DOM_TI';
    const employer = domestic
      ? (careEmployers[care.draw(rng)] ?? employers[0]!)
      : (employers[all.draw(rng)] ?? employers[0]!);
    const exit = terminations.days[terminations.table.draw(rng)] ?? WINDOW_END;
    const [orario, ore] = initialOrario(rng, family);
    const events: RelEvent[] = [];
    let start: number;
    if (family === 'TD') {
      // begun in 2009, extended into the window, ends at the drawn day
      start = dayOf(2009, 1, 1) + rng.int(360);
      const firstEnd = Math.max(WINDOW_START, exit - rng.range(30, 180));
      if (firstEnd < exit && rng.chance(0.6)) {
        events.push({
          tipo: 'PRO',
          day: firstEnd + 1,
          end: exit,
          family,
          orario,
          ore,
          trasformazione: null,
          causa: null,
        });
      }
      events.push({
        tipo: 'CES',
        day: exit,
        end: exit,
        family,
        orario,
        ore,
        trasformazione: null,
        causa: 'SC',
      });
    } else {
      const years = Math.min(25, Math.floor(rng.exponential(6)) + 1);
      start = WINDOW_START - 1 - years * 365 + rng.int(365);
      let o = orario;
      let h = ore;
      if (rng.chance(0.26)) {
        const d = WINDOW_START + rng.int(Math.max(1, exit - WINDOW_START));
        const tp = o === 'F';
        o = tp ? PART_TIME.draw(rng) : 'F';
        h = tp ? partTimeHours(rng) : null;
        events.push({
          tipo: 'TRS',
          day: d,
          end: null,
          family,
          orario: o,
          ore: h,
          trasformazione: tp ? 'TP' : 'PP',
          causa: null,
        });
      }
      events.push({
        tipo: 'CES',
        day: exit,
        end: null,
        family,
        orario: o,
        ore: h,
        trasformazione: null,
        causa: rng.chance(0.1) ? 'PE' : OPEN_ENDED_CAUSE.draw(rng),
      });
    }
    add(family, 0, start, employer, domestic, { events, ceased: exit });
  }
  return rels;
}

export interface WorkerPool {
  name: PoolName;
  people: Person[];
}

/**
 * Give every relationship a worker of its pool. The first draws of a pool walk
 * through its people in random order, so that everyone in the pool works at least
 * once; later draws favour the people who change job often. Age rules: at least
 * 16 at the start, apprentices up to 29, trainees up to 35.
 */
export function assignWorkers(rng: Rng, rels: Relationship[], pools: readonly WorkerPool[]): void {
  const state = new Map<PoolName, { people: Person[]; cursor: number; table: AliasTable }>();
  for (const pool of pools) {
    if (pool.people.length === 0) continue;
    state.set(pool.name, {
      people: rng.shuffle([...pool.people]),
      cursor: 0,
      table: new AliasTable(pool.people.map((p) => p.activity)),
    });
  }
  const order = rng.shuffle(rels.map((r) => r.idx));
  for (const i of order) {
    const rel = rels[i]!;
    const s = state.get(rel.pool) ?? state.get('IT');
    if (!s) throw new Error('no worker pool');
    const maxAge = rel.family === 'APPR' ? 29 : rel.family === 'TIR' ? 35 : 66;
    const fits = (p: Person): boolean => {
      const age = ageAt(p.birth, rel.start);
      return age >= 16 && age <= maxAge;
    };
    let chosen: Person | undefined;
    for (let tries = 0; tries < 4 && s.cursor < s.people.length && !chosen; tries++) {
      const p = s.people[s.cursor]!;
      if (fits(p)) {
        chosen = p;
        s.cursor++;
      } else {
        // try this person again later, for another relationship
        const j = s.cursor + rng.int(s.people.length - s.cursor);
        s.people[s.cursor] = s.people[j]!;
        s.people[j] = p;
      }
    }
    for (let tries = 0; tries < 40 && !chosen; tries++) {
      const p = s.people[s.table.draw(rng)]!;
      if (fits(p)) chosen = p;
    }
    if (!chosen) {
      chosen = s.people.find(fits) ?? s.people[0]!;
    }
    rel.worker = chosen.idx;
  }
}

const CODICE_CHANNEL = '014';

export interface EmitInput {
  rng: Rng;
  rels: Relationship[];
  people: readonly Person[];
  employers: readonly Employer[];
  desks: readonly Desk[];
}

/**
 * Turn relationships into communications: forms, natures, sending dates, handling
 * desk; a few rectifications and cancellations; ids and 16-character codes in
 * chronological order.
 */
export function emitCommunications(input: EmitInput): Comm[] {
  const { rng, rels, people, employers, desks } = input;
  const deskByComune = new Map<string, Desk[]>();
  const assocPoints: Desk[] = [];
  for (const d of desks) {
    if (!d.services.includes('ASSISTENZA_CO')) continue;
    if (d.kind === 'PRIMA_ACCOGLIENZA') {
      assocPoints.push(d);
      continue;
    }
    const list = deskByComune.get(d.comune) ?? [];
    list.push(d);
    deskByComune.set(d.comune, list);
  }
  const cpi = desks.find((d) => d.kind === 'CENTRO_IMPIEGO');
  const pickDesk = (comune: string, sent: number): string | null => {
    const r = rng.next();
    if (r < 0.11) {
      const local = deskByComune.get(comune) ?? [];
      const d = local.length > 0 ? rng.pick(local) : cpi;
      if (d && deskOpenOn(d, sent)) return d.code;
      return cpi && deskOpenOn(cpi, sent) ? cpi.code : null;
    }
    if (r < 0.15 && assocPoints.length > 0) {
      const local = assocPoints.filter((p) => p.comune === comune);
      const d = rng.pick(local.length > 0 ? local : assocPoints);
      return deskOpenOn(d, sent) ? d.code : null;
    }
    return null;
  };
  const comms: Comm[] = [];
  for (const rel of rels) {
    const worker = people[rel.worker];
    const employer = employers[rel.employer];
    if (!worker || !employer) throw new Error(`relationship ${rel.idx} without worker`);
    if (rel.events.length > 0 && rel.events[0]!.tipo === 'ASS' && rng.chance(0.002)) {
      // a hiring filed and then cancelled: the relationship never started
      rel.cancelled = true;
      rel.events = rel.events.slice(0, 1);
      rel.ceased = null;
    }
    let seq = 0;
    for (const ev of rel.events) {
      let causa = ev.causa;
      if (causa === 'PE' && ageAt(worker.birth, ev.day) < 58) causa = 'DI';
      let sent: number;
      let natura: Nature = 'ORDINARIA';
      let modulo: Form = rel.agency ? 'UNISOMM' : 'UNILAV';
      if (ev.tipo === 'ASS') {
        const r = rng.next();
        sent = ev.day - (r < 0.6 ? 1 : r < 0.85 ? rng.range(2, 5) : rng.range(6, 20));
        if (!rel.agency && rng.chance(0.01)) {
          natura = 'URGENTE';
          modulo = 'URGENZA';
          sent = ev.day - 1;
        }
      } else if (ev.tipo === 'PRO') {
        sent = ev.day - 1 - rng.int(10);
      } else {
        sent = Math.min(WINDOW_END, ev.day + rng.int(6));
      }
      const comm: Comm = {
        rel: rel.idx,
        seq: seq++,
        tipo: ev.tipo,
        natura,
        modulo,
        day: ev.day,
        sent,
        end: ev.end,
        contract: contractCode(ev.family, rel.variant, ev.day),
        orario: ev.orario,
        ore: ev.ore,
        qualifica: rel.qualifica,
        trasformazione: ev.trasformazione,
        causa: ev.tipo === 'CES' ? causa : null,
        desk: pickDesk(employer.comune, sent),
        precedente: null,
        id: '',
        codice: '',
      };
      comms.push(comm);
      if (rel.cancelled) {
        comms.push({
          ...comm,
          seq: seq++,
          natura: 'ANNULLAMENTO',
          modulo: rel.agency ? 'UNISOMM' : 'UNILAV',
          sent: Math.min(WINDOW_END, sent + rng.range(1, 4)),
          desk: null,
          precedente: comm,
        });
      } else if (ev.tipo === 'ASS' && rng.chance(0.008)) {
        // a rectification: same hiring, corrected working time or occupation
        const partTime = comm.orario !== 'F' && comm.orario !== 'N';
        comms.push({
          ...comm,
          seq: seq++,
          natura: 'RETTIFICA',
          modulo: rel.agency ? 'UNISOMM' : 'UNILAV',
          sent: Math.min(WINDOW_END, sent + rng.range(1, 10)),
          ore: partTime ? partTimeHours(rng) : comm.ore,
          desk: null,
          precedente: comm,
        });
      }
    }
  }
  comms.sort((a, b) => a.day - b.day || a.rel - b.rel || a.seq - b.seq);
  const progressive = new Map<number, number>();
  comms.forEach((c, i) => {
    c.id = `C${String(i + 1).padStart(8, '0')}`;
    const year = yearOf(c.sent);
    const n = (progressive.get(year) ?? 0) + 1;
    progressive.set(year, n);
    c.codice = `09${CODICE_CHANNEL}${String(year % 100).padStart(2, '0')}${String(n).padStart(9, '0')}`;
  });
  return comms;
}
