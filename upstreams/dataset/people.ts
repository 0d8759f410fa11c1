/**
 * Invented people: names, sex, birth date and place, citizenship, education,
 * residence, and a fiscal code consistent with all of it (omocodia on collision).
 */
import { dayOf, isoDay } from './calendar.js';
import { fiscalCode, omocode } from './fiscal-code.js';
import { CHINA, ITALIAN_CITIES, ITALY, OTHER_FOREIGN, STREETS, type Nationality } from './names.js';
import { WeightedChoice, type Rng } from './prng.js';
import type { Reference } from './reference.js';

export type PoolName = 'IT' | 'CN' | 'OF';

export interface Person {
  idx: number;
  /** L0000001..., given once the population is final. */
  id: string;
  cf: string;
  surname: string;
  name: string;
  sex: 'M' | 'F';
  birth: number;
  birthIso: string;
  birthPlace: string;
  citizenship: string;
  education: string;
  comune: string;
  cap: string;
  address: string;
  /** The labour-registry desk of the person's district or comune. */
  homeDesk: string;
  pool: PoolName;
  /** How often the person changes job, relative to others of the pool. */
  activity: number;
}

const OTHER_FOREIGN_CHOICE = new WeightedChoice(OTHER_FOREIGN);

// Share of residents per comune (A): roughly the population of the province.
const RESIDENCE = new WeightedChoice([
  ['100005', 72],
  ['100003', 9],
  ['100002', 5],
  ['100004', 4],
  ['100006', 4.5],
  ['100007', 2.5],
  ['100001', 1.3],
] as const);

const PRATO_DISTRICT = new WeightedChoice([
  ['PO-NORD', 22],
  ['PO-EST', 20],
  ['PO-SUD', 23],
  ['PO-OVEST', 14],
  ['PO-CENTRO', 21],
] as const);

const COMUNE_DESK: Readonly<Record<string, string>> = {
  '100003': 'MM',
  '100006': 'VA',
  '100007': 'VE',
  '100001': 'CG',
  '100004': 'PC',
  '100002': 'CA',
};

const EDUCATION_IT = new WeightedChoice([
  ['1', 4],
  ['2', 36],
  ['3', 9],
  ['4', 33],
  ['5', 2],
  ['6', 1],
  ['7', 12],
  ['8', 1],
  ['9', 1],
  ['12', 0.5],
] as const);
const EDUCATION_FOREIGN = new WeightedChoice([
  ['0', 8],
  ['1', 18],
  ['2', 42],
  ['3', 8],
  ['4', 18],
  ['7', 6],
] as const);

/** Age (in 2012) bands of the working population. */
const AGE_WORKER = new WeightedChoice([
  [[18, 24], 18],
  [[25, 34], 31],
  [[35, 44], 27],
  [[45, 54], 17],
  [[55, 64], 7],
] as const);
const AGE_YOUNG = new WeightedChoice([
  [[16, 19], 25],
  [[20, 24], 45],
  [[25, 30], 30],
] as const);

export class PeopleFactory {
  private readonly codes = new Set<string>();
  private readonly italianBirth: WeightedChoice<string>;
  private readonly caps: Map<string, string>;
  readonly people: Person[] = [];

  constructor(
    private readonly rng: Rng,
    ref: Reference,
  ) {
    this.caps = new Map(ref.comuni.map((c) => [c.istat, c.cap]));
    // Italians: mostly born in the province, the rest in a few large cities.
    const options: [string, number][] = [
      ['G999', 52],
      ['F572', 3],
      ['B794', 1.5],
      ['G754', 1],
      ['L537', 1.5],
      ['L775', 1],
      ['B626', 0.5],
      ...ITALIAN_CITIES.map(([code, w]) => [code, w * 0.5] as [string, number]),
    ];
    this.italianBirth = new WeightedChoice(options);
    for (const nat of [CHINA, ...OTHER_FOREIGN.map(([n]) => n)]) {
      if (!ref.citizenships.has(nat.citizenship)) {
        throw new Error(`citizenship ${nat.citizenship} missing from cittadinanze.csv`);
      }
      if (!ref.countries.has(nat.belfiore)) {
        throw new Error(`country ${nat.belfiore} missing from nazioni_belfiore.csv`);
      }
    }
  }

  create(pool: PoolName, young = false): Person {
    const rng = this.rng;
    const nat: Nationality =
      pool === 'IT' ? ITALY : pool === 'CN' ? CHINA : OTHER_FOREIGN_CHOICE.draw(rng);
    const sex: 'M' | 'F' = rng.chance(pool === 'CN' ? 0.5 : pool === 'OF' ? 0.52 : 0.54)
      ? 'M'
      : 'F';
    const [lo, hi] = (young ? AGE_YOUNG : AGE_WORKER).draw(rng);
    const age = rng.range(lo, hi);
    const birth = dayOf(2012 - age, 1, 1) - rng.int(365);
    const birthIso = isoDay(birth);
    let birthPlace: string;
    if (pool === 'IT') birthPlace = this.italianBirth.draw(rng);
    else if (birth >= dayOf(1990, 1, 1) && rng.chance(0.25)) birthPlace = 'G999';
    else birthPlace = nat.belfiore;
    const names = nat.names;
    const surname = rng.pick(names.surnames);
    const name = rng.pick(sex === 'M' ? names.male : names.female);
    const base = fiscalCode({ surname, name, sex, birthDate: birthIso, birthPlace });
    let cf = base;
    for (let level = 1; this.codes.has(cf); level++) {
      if (level > 7) throw new Error('fiscal code space exhausted');
      cf = omocode(base, level);
    }
    this.codes.add(cf);
    const comune = RESIDENCE.draw(rng);
    const homeDesk =
      comune === '100005' ? PRATO_DISTRICT.draw(rng) : (COMUNE_DESK[comune] ?? 'PO-CPI');
    const person: Person = {
      idx: this.people.length,
      id: '',
      cf,
      surname,
      name,
      sex,
      birth,
      birthIso,
      birthPlace,
      citizenship: nat.citizenship,
      education: (pool === 'IT' ? EDUCATION_IT : EDUCATION_FOREIGN).draw(rng),
      comune,
      cap: this.caps.get(comune) ?? '59100',
      address: `${rng.pick(STREETS)} ${rng.range(1, 180)}`,
      homeDesk,
      pool,
      // heavy tail: a few people change job very often
      activity: Math.exp(rng.normal() * 0.9) * (pool === 'IT' ? 1 : 1.25),
    };
    this.people.push(person);
    return person;
  }
}
