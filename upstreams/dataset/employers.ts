/**
 * Invented employers of the Prato district: sector (ATECO 2007 from the district
 * subset), size class, seat, usual CCNL, a valid partita IVA, and the employer
 * associations they delegate. Company names are built from common surnames and are
 * fictitious.
 */
import { CHINA, ITALY, STREETS } from './names.js';
import { WeightedChoice, type Rng } from './prng.js';
import { partitaIva } from './fiscal-code.js';
import type { Reference } from './reference.js';

export interface Employer {
  idx: number;
  id: string;
  piva: string;
  name: string;
  ateco: string;
  /** 2-digit ATECO division, "13" */
  division: string;
  size: string;
  comune: string;
  cap: string;
  address: string;
  ccnl: string | null;
  chinese: boolean;
  /** Relative volume of hirings. */
  weight: number;
  /**
   * Codes of the employer associations (registry `enti`) that act for it, filing its
   * compulsory communications: set by assignDelegations, sorted, at most two.
   */
  delegations: string[];
}

/** Share of employers per ATECO division (A; DOMAIN.md §5: 13.x ~30%, 14.x ~25%). */
const DIVISIONS = new WeightedChoice([
  ['13', 30],
  ['14', 25],
  ['46', 9],
  ['47', 8],
  ['43', 8],
  ['56', 6],
  ['25', 5],
  ['49', 2],
  ['81', 2],
  ['88', 2],
  ['96', 1],
  ['28', 1],
  ['38', 1],
] as const);

const CHINESE_SHARE: Readonly<Record<string, number>> = {
  '13': 0.12,
  '14': 0.6,
  '46': 0.3,
  '47': 0.15,
  '56': 0.2,
  '96': 0.1,
};

const SIZE = new WeightedChoice([
  ['1', 60],
  ['2', 27],
  ['3', 9],
  ['4', 3.5],
  ['5', 0.5],
] as const);
const SIZE_WEIGHT: Readonly<Record<string, number>> = {
  '1': 1,
  '2': 3.5,
  '3': 10,
  '4': 30,
  '5': 110,
};

const SEAT = new WeightedChoice([
  ['100005', 68],
  ['100003', 14],
  ['100002', 4],
  ['100004', 3],
  ['100006', 6],
  ['100007', 3],
  ['100001', 2],
] as const);

/** Usual CCNL per division, by size (small = artisan/SME agreement). [large, small] */
const CCNL: Readonly<Record<string, readonly [string | null, string | null]>> = {
  '13': ['159', '003'],
  '14': ['001', '003'],
  '25': ['113', '116'],
  '28': ['113', '115'],
  '38': ['119', '120'],
  '43': ['069', '071'],
  '46': ['185', '185'],
  '47': ['185', '185'],
  '49': ['151', '162'],
  '56': [null, null],
  '81': ['119', '120'],
  '88': ['093', '093'],
  '96': ['B84', '099'],
};
const KNITWEAR = new Set(['13.91.00', '14.31.00', '14.39.00']);

const PREFIX: Readonly<Record<string, readonly string[]>> = {
  '13.10': ['FILATURA', 'PETTINATURA', 'CARDATURA'],
  '13.20': ['TESSITURA', 'LANIFICIO', 'TESSUTI'],
  '13.30': ['RIFINIZIONE', 'TINTORIA', 'FINISSAGGIO'],
  '13': ['MAGLIFICIO', 'TESSILE', 'LANIFICIO'],
  '14': ['CONFEZIONI', 'MODA', 'ABBIGLIAMENTO', 'MAGLIERIA'],
  '25': ['OFFICINA MECCANICA', 'CARPENTERIA METALLICA', 'MINUTERIE'],
  '28': ['MECCANOTESSILE', 'COSTRUZIONI MECCANICHE'],
  '38': ['RECUPERI', 'ECOSERVIZI'],
  '43': ['EDILE', 'COSTRUZIONI', 'IMPIANTI'],
  '46': ['COMMERCIO TESSUTI', 'TESSUTI', 'INGROSSO ABBIGLIAMENTO'],
  '47': ['BOUTIQUE', 'ABBIGLIAMENTO', 'CALZATURE'],
  '49': ['TRASPORTI', 'AUTOTRASPORTI'],
  '56': ['RISTORANTE', 'BAR', 'PIZZERIA', 'TRATTORIA'],
  '81': ['IMPRESA DI PULIZIE', 'SERVIZI PULIZIE'],
  '88': ['COOPERATIVA SOCIALE'],
  '96': ['LAVANDERIA', 'TINTORIA'],
};
const COOP_NAMES = [
  'IL SOLE',
  'LA RETE',
  'INSIEME',
  'IL GIRASOLE',
  'ARCOBALENO',
  'LA TENDA',
  'IL PONTE',
];
const FORMS_BY_SIZE: Readonly<Record<string, readonly string[]>> = {
  '1': ['DI', 'S.N.C.', 'S.R.L.', 'S.A.S.'],
  '2': ['S.R.L.', 'S.N.C.', 'S.A.S.'],
  '3': ['S.R.L.', 'S.R.L.', 'S.P.A.'],
  '4': ['S.R.L.', 'S.P.A.'],
  '5': ['S.P.A.'],
};

export function buildEmployers(rng: Rng, ref: Reference, count: number): Employer[] {
  const bySubset = new Map<string, string[]>();
  for (const a of ref.atecoDistrict) {
    const div = a.code.slice(0, 2);
    const list = bySubset.get(div) ?? [];
    list.push(a.code);
    bySubset.set(div, list);
  }
  const caps = new Map(ref.comuni.map((c) => [c.istat, c.cap]));
  const ccnlValid = (code: string | null): string | null => {
    if (code === null) return null;
    const c = ref.ccnl.get(code);
    return c && c.validFrom <= '2010-01-01' && (c.validTo === null || c.validTo >= '2014-12-31')
      ? code
      : null;
  };
  const employers: Employer[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    const division = DIVISIONS.draw(rng);
    const codes = bySubset.get(division);
    if (!codes || codes.length === 0) throw new Error(`no ATECO code for division ${division}`);
    // textile: weaving, spinning and finishing dominate the district
    const ateco =
      division === '13' && rng.chance(0.6)
        ? rng.pick(['13.20.00', '13.10.00', '13.30.00'])
        : rng.pick(codes);
    const chinese = rng.chance(CHINESE_SHARE[division] ?? 0);
    let size = SIZE.draw(rng);
    if (chinese && size > '2') size = rng.chance(0.7) ? '1' : '2';
    const seat = chinese && rng.chance(0.8) ? '100005' : SEAT.draw(rng);
    const prefixes = PREFIX[ateco.slice(0, 5)] ?? PREFIX[division] ?? ['IMPRESA'];
    const prefix = rng.pick(prefixes);
    let name: string;
    if (division === '88') {
      name = `${prefix} ${rng.pick(COOP_NAMES)} ${rng.pick(ITALY.names.surnames)} S.C.S.`;
    } else {
      const names = chinese ? CHINA.names : ITALY.names;
      const surname = rng.pick(names.surnames);
      const form = rng.pick(FORMS_BY_SIZE[size] ?? ['S.R.L.']);
      const first = rng.pick(rng.chance(0.5) ? names.male : names.female);
      name =
        form === 'DI'
          ? `${prefix} DI ${surname} ${first}`
          : form === 'S.N.C.' || form === 'S.A.S.'
            ? `${prefix} ${surname} ${first} & C. ${form}`
            : `${prefix} ${surname} ${form}`;
    }
    if (used.has(name))
      name = `${name.replace(/ (S\.R\.L\.|S\.P\.A\.|S\.N\.C\.|S\.A\.S\.|S\.C\.S\.)$/, '')} ${rng.pick(['DUE', 'NUOVA', 'ITALIA', 'PRATO', 'TEX', 'GROUP'])} ${rng.pick(['S.R.L.', 'S.N.C.'])}`;
    used.add(name);
    const [large, small] = CCNL[division] ?? [null, null];
    let ccnl = ccnlValid(size >= '3' ? large : small);
    if (KNITWEAR.has(ateco) && size >= '3') ccnl = ccnlValid('103') ?? ccnl;
    employers.push({
      idx: i,
      id: `A${String(i + 1).padStart(6, '0')}`,
      // 7-digit company number, then the office code (A: 100, Prato's ISTAT province code)
      piva: partitaIva(1_000_000 + i * 29 + rng.int(29), 100),
      name,
      ateco,
      division,
      size,
      comune: seat,
      cap: caps.get(seat) ?? '59100',
      address: `${rng.pick(STREETS)} ${rng.range(1, 250)}`,
      ccnl,
      chinese,
      weight: (SIZE_WEIGHT[size] ?? 1) * (chinese ? 1.6 : 1) * Math.exp(rng.normal() * 0.5),
      delegations: [],
    });
  }
  return employers;
}

// SIMULATED (no public source): which association an employer delegates. Artisans and small
// firms go to CNA or Confartigianato, larger industry to the Unione Industriale, shops,
// wholesalers and restaurants to Confcommercio or Confesercenti. Social cooperatives belong
// to cooperative centrals, which host no desk here; no district employer farms, so the
// agricultural associations (COLDIR, CIA) act for none.
const SMALL_INDUSTRY: readonly (readonly [string, number])[] = [
  ['CNA', 50],
  ['CONFART', 40],
  ['UIP', 10],
];
const LARGE_INDUSTRY: readonly (readonly [string, number])[] = [
  ['UIP', 80],
  ['CNA', 12],
  ['CONFART', 8],
];
const TRADE: readonly (readonly [string, number])[] = [
  ['CONFCOMM', 60],
  ['CONFES', 40],
];
const SERVICES: readonly (readonly [string, number])[] = [
  ['CNA', 45],
  ['CONFART', 35],
  ['CONFCOMM', 20],
];
const ASSOCIATIONS_BY_DIVISION: Readonly<
  Record<string, readonly (readonly [string, number])[] | null>
> = {
  '13': SMALL_INDUSTRY,
  '14': SMALL_INDUSTRY,
  '25': SMALL_INDUSTRY,
  '28': SMALL_INDUSTRY,
  '38': SMALL_INDUSTRY,
  '43': SMALL_INDUSTRY,
  '46': TRADE,
  '47': TRADE,
  '56': TRADE,
  '49': SERVICES,
  '81': SERVICES,
  '96': SERVICES,
  '88': null,
};

/** Every association code the generator may delegate. */
export const DELEGATED_ASSOCIATIONS: readonly string[] = [
  ...new Set(
    Object.values(ASSOCIATIONS_BY_DIVISION).flatMap((options) =>
      (options ?? []).map(([code]) => code),
    ),
  ),
].sort();

/**
 * Gives each employer 0-2 delegated associations: most district firms belong to exactly
 * one (about 70%), some to none, a few to two. `hosts` are the registry's organisations:
 * a code that is not an employer association there is a generator bug.
 */
export function assignDelegations(
  rng: Rng,
  employers: Employer[],
  hosts: readonly { code: string; kind: string }[],
): void {
  const associations = new Set(
    hosts.filter((h) => h.kind === 'ASSOCIAZIONE_DATORIALE').map((h) => h.code),
  );
  for (const code of DELEGATED_ASSOCIATIONS) {
    if (!associations.has(code)) throw new Error(`${code} is not an employer association`);
  }
  const choices = new Map<readonly (readonly [string, number])[], WeightedChoice<string>>();
  for (const e of employers) {
    const options =
      e.size >= '3' && ASSOCIATIONS_BY_DIVISION[e.division] === SMALL_INDUSTRY
        ? LARGE_INDUSTRY
        : (ASSOCIATIONS_BY_DIVISION[e.division] ?? null);
    if (options === null) continue;
    const r = rng.next();
    const count = r < (e.chinese ? 0.35 : 0.2) ? 0 : r < 0.9 ? 1 : 2;
    if (count === 0) continue;
    let choice = choices.get(options);
    if (!choice) {
      choice = new WeightedChoice(options);
      choices.set(options, choice);
    }
    const codes = new Set([choice.draw(rng)]);
    // a second draw of the same association leaves one: "two" is at most two
    if (count === 2) codes.add(choice.draw(rng));
    e.delegations = [...codes].sort();
  }
}
