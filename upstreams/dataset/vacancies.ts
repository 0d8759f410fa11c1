/**
 * Vacancies published by employers (co) and the job seekers IDOL matched to them.
 * Candidates are registered job seekers whose DID was open when the vacancy was
 * published.
 */
import { DATASET_DATE, monthOf, weekday, WINDOW_END, WINDOW_START } from './calendar.js';
import type { Employer } from './employers.js';
import { contractCode, qualificaChooser, type Family } from './employment.js';
import type { Scheda } from './jobseekers.js';
import { AliasTable, WeightedChoice, type Rng } from './prng.js';

export interface Vacancy {
  id: string;
  employer: number;
  qualifica: string;
  contract: string;
  comune: string;
  posti: number;
  published: number;
  closes: number;
  open: boolean;
  description: string;
}

export type CandidateState = 'PROPOSTA' | 'COLLOQUIO' | 'ASSUNTO' | 'RIFIUTATA';

export interface Candidate {
  vacancy: number;
  person: number;
  score: number;
  state: CandidateState;
  day: number;
}

const FAMILY = new WeightedChoice<[Family, number]>([
  [['TD', 0], 55],
  [['TI', 0], 25],
  [['APPR', 0], 8],
  [['TIR', 0], 7],
  [['INT_TD', 0], 5],
]);

/** Job-ad wording per occupation (simulated). */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  '7.2.6.2.0.0': 'Addetto/a ai telai per tessitura e maglieria',
  '6.5.3.2.1.0': 'Tessitore/tessitrice su telai jacquard',
  '7.2.6.1.0.0': 'Addetto/a filatura e bobinatura',
  '6.5.3.2.3.0': 'Tintore/tintora per tessuti e filati',
  '7.2.6.4.0.0': 'Addetto/a macchine di tintoria e finissaggio',
  '7.2.6.9.0.0': 'Operaio/a generico/a industria tessile',
  '8.4.3.1.0.0': 'Operaio/a non qualificato/a di produzione',
  '3.1.3.7.2.0': 'Disegnatore/disegnatrice tessile CAD',
  '4.1.1.1.0.0': 'Impiegato/a di segreteria',
  '3.3.1.2.1.0': 'Impiegato/a contabile',
  '8.1.3.2.0.0': 'Magazziniere/a e addetto/a imballaggio',
  '6.5.3.3.3.0': 'Confezionatore/confezionatrice di capi di abbigliamento',
  '7.2.6.3.0.0': 'Macchinista per confezioni (taglia e cuci)',
  '6.5.3.3.2.0': 'Tagliatore/tagliatrice di capi',
  '6.5.3.3.4.0': 'Sarto/sarta',
  '6.5.3.3.1.0': 'Modellista abbigliamento',
  '6.5.3.2.2.0': 'Maglierista',
  '6.2.1.2.0.0': 'Saldatore/saldatrice',
  '6.2.1.4.0.0': 'Carpentiere/a metallico/a',
  '7.2.1.1.0.0': 'Operatore/operatrice macchine utensili CNC',
  '6.2.3.3.1.0': 'Manutentore/manutentrice meccanico/a',
  '6.2.3.3.2.0': 'Montatore/montatrice macchine tessili',
  '8.1.4.5.0.0': 'Addetto/a raccolta e selezione rifiuti',
  '7.4.2.3.0.0': 'Autista patente C/CE',
  '6.1.2.1.0.0': 'Muratore/muratrice',
  '6.1.2.3.0.0': 'Carpentiere/a edile',
  '6.1.3.6.1.0': 'Idraulico/a',
  '6.1.3.7.0.0': 'Elettricista',
  '8.4.2.1.0.0': 'Manovale edile',
  '5.1.2.1.0.0': "Addetto/a vendite all'ingrosso",
  '8.1.3.1.0.0': 'Facchino/a',
  '5.1.2.2.0.0': 'Commesso/a di negozio',
  '5.1.2.4.0.0': 'Cassiere/a',
  '8.1.3.3.0.0': 'Addetto/a consegne',
  '5.2.2.1.0.0': 'Cuoco/a',
  '5.2.2.4.0.0': 'Barista',
  '8.1.4.2.0.0': 'Aiuto cucina e sala',
  '8.1.4.3.0.0': 'Addetto/a pulizie uffici e negozi',
  '5.4.4.3.0.0': 'Assistente familiare',
  '5.4.4.2.0.0': "Educatore/educatrice per l'infanzia",
  '6.5.3.7.0.0': 'Addetto/a lavanderia e stireria',
};

const PUB_MONTH = [1.3, 1.0, 1.1, 1.0, 1.0, 0.9, 0.8, 0.35, 1.3, 1.1, 1.0, 0.8];

export interface VacancyInput {
  rng: Rng;
  scale: number;
  employers: readonly Employer[];
  schede: readonly Scheda[];
  occupations: ReadonlyMap<string, string>;
}

export function buildVacancies(input: VacancyInput): {
  vacancies: Vacancy[];
  candidates: Candidate[];
} {
  const { rng, scale, employers, schede } = input;
  const count = Math.round(10_000 * scale);
  const days: number[] = [];
  const weights: number[] = [];
  for (let d = WINDOW_START; d <= WINDOW_END; d++) {
    const wd = weekday(d);
    days.push(d);
    weights.push(wd === 0 || wd === 6 ? 0.05 : (PUB_MONTH[monthOf(d) - 1] ?? 1));
  }
  const dayTable = new AliasTable(weights);
  const employerTable = new AliasTable(employers.map((e) => Math.sqrt(e.weight)));
  const qualifica = qualificaChooser();
  const drafts: Omit<Vacancy, 'id'>[] = [];
  for (let i = 0; i < count; i++) {
    const e = employers[employerTable.draw(rng)]!;
    const published = days[dayTable.draw(rng)]!;
    const [family, variant] = FAMILY.draw(rng);
    const q = qualifica(rng, e.division);
    const closes = published + rng.pick([30, 45, 60, 60, 90]);
    const r = rng.next();
    drafts.push({
      employer: e.idx,
      qualifica: q,
      contract: contractCode(family, variant, published),
      comune: e.comune,
      posti: r < 0.7 ? 1 : r < 0.9 ? 2 : rng.range(3, 5),
      published,
      closes,
      open: closes >= DATASET_DATE,
      description: DESCRIPTIONS[q] ?? sentenceCase(input.occupations.get(q) ?? q),
    });
  }
  drafts.sort((a, b) => a.published - b.published || a.employer - b.employer);
  const vacancies = drafts.map((v, i) => ({ ...v, id: `O${String(i + 1).padStart(6, '0')}` }));

  // candidates: job seekers registered before publication, DID still open then
  const seekers = [...schede].sort((a, b) => a.didDay - b.didDay);
  const didDays = seekers.map((s) => s.didDay);
  const candidates: Candidate[] = [];
  vacancies.forEach((v, vi) => {
    // seekers registered by the publication day (binary search)
    let hi = 0;
    let b = didDays.length;
    while (hi < b) {
      const m = (hi + b) >> 1;
      if ((didDays[m] ?? 0) <= v.published) hi = m + 1;
      else b = m;
    }
    if (hi === 0) return;
    const n = rng.chance(0.15) ? 0 : rng.range(1, 6);
    const chosen = new Set<number>();
    let hired = 0;
    for (let k = 0, tries = 0; k < n && tries < n * 6; tries++) {
      const s = seekers[rng.int(hi)]!;
      if (chosen.has(s.person)) continue;
      if (s.didEnd !== null && s.didEnd < v.published) continue;
      chosen.add(s.person);
      k++;
      const day = Math.min(WINDOW_END, v.published + rng.int(21));
      let state: CandidateState;
      if (v.open) state = rng.chance(0.6) ? 'PROPOSTA' : 'COLLOQUIO';
      else {
        const r = rng.next();
        if (r < 0.3 && hired < v.posti) {
          state = 'ASSUNTO';
          hired++;
        } else state = r < 0.6 ? 'RIFIUTATA' : r < 0.8 ? 'COLLOQUIO' : 'PROPOSTA';
      }
      candidates.push({
        vacancy: vi,
        person: s.person,
        score: Math.round((0.4 + rng.next() * 0.59) * 100) / 100,
        state,
        day,
      });
    }
  });
  return { vacancies, candidates };
}

function sentenceCase(text: string): string {
  const lower = text.toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}
