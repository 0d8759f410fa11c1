/**
 * TRIO: thematic areas, the course catalogue, enrolments by fiscal code (some made
 * at a desk's public workstation), certificates for completed certifiable courses,
 * and the workstations' bookings around the dataset date.
 *
 * SIMULATED: the area list and every course title and description are invented
 * for the simulation (TRIO's real catalogue is not public data here).
 */
import { dayOf, isoDay, monthOf, weekday, WINDOW_END, WINDOW_START } from './calendar.js';
import { deskOpenOn, type Desk } from './desks.js';
import type { Scheda } from './jobseekers.js';
import type { Person } from './people.js';
import { AliasTable, WeightedChoice, type Rng } from './prng.js';

export interface Area {
  code: string;
  name: string;
  description: string;
}

export type Level = 'BASE' | 'INTERMEDIO' | 'AVANZATO';

export interface Course {
  id: string;
  code: string;
  title: string;
  area: string;
  hours: number;
  level: Level;
  certifiable: boolean;
  tutor: boolean;
  description: string;
}

export type EnrolmentState = 'IN_CORSO' | 'COMPLETATO' | 'RITIRATO';

export interface Enrolment {
  id: string;
  person: number;
  course: number;
  day: number;
  state: EnrolmentState;
  progress: number;
  desk: string | null;
}

export interface Certificate {
  id: string;
  person: number;
  course: number;
  day: number;
  score: number;
}

export interface Workstation {
  id: string;
  desk: string;
  label: string;
}

export interface Booking {
  id: string;
  workstation: string;
  start: string;
  end: string;
  person: number;
}

// [code, name, description, weight in the catalogue, topics]
const AREAS: readonly (readonly [string, string, string, number, readonly string[]])[] = [
  [
    'INF',
    'Informatica',
    'Uso del computer, office automation e Internet',
    20,
    [
      'Foglio elettronico Excel',
      'Videoscrittura Word',
      'Posta elettronica',
      'Navigare in Internet',
      'Presentazioni multimediali',
      'Basi di dati Access',
      'Sicurezza informatica',
      'Il computer: concetti di base',
      'Fotoritocco digitale',
      'Creare un sito web',
    ],
  ],
  [
    'LIN',
    'Lingue straniere',
    'Inglese, francese, tedesco, spagnolo e cinese per il lavoro',
    14,
    [
      'Inglese',
      'Inglese commerciale',
      'Francese',
      'Tedesco',
      'Spagnolo',
      'Cinese',
      'Italiano per stranieri',
    ],
  ],
  [
    'SIC',
    'Sicurezza sul lavoro',
    'Salute e sicurezza nei luoghi di lavoro (D.Lgs. 81/2008)',
    10,
    [
      'Sicurezza sul lavoro per lavoratori',
      'Rischio chimico',
      'Primo soccorso',
      'Prevenzione incendi',
      'Movimentazione manuale dei carichi',
      'Rischi nel settore tessile',
    ],
  ],
  [
    'GES',
    "Gestione d'impresa",
    'Organizzazione aziendale, qualità, logistica',
    8,
    [
      'Organizzazione aziendale',
      'Gestione della qualità',
      'Logistica e magazzino',
      'Fare impresa',
      'Controllo di gestione',
    ],
  ],
  [
    'AMM',
    'Amministrazione e contabilità',
    'Contabilità, paghe, fiscalità',
    8,
    [
      'Contabilità generale',
      'Paghe e contributi',
      'Bilancio',
      'Fatturazione',
      "Fiscalità d'impresa",
    ],
  ],
  [
    'COM',
    'Comunicazione e marketing',
    'Comunicazione efficace, vendita, marketing',
    7,
    [
      'Comunicazione efficace',
      'Tecniche di vendita',
      'Marketing',
      'Servizio al cliente',
      'Social media',
    ],
  ],
  [
    'TES',
    'Tessile e moda',
    'Materie prime, processi e prodotti del distretto tessile',
    8,
    [
      'Fibre tessili',
      'Tecnologia della tessitura',
      'Nobilitazione dei tessuti',
      'Controllo qualità tessile',
      'Modellistica',
      'Disegno tessile CAD',
      'Storia del distretto pratese',
    ],
  ],
  [
    'AMB',
    'Ambiente ed energia',
    'Risparmio energetico, rifiuti, sostenibilità',
    5,
    ['Risparmio energetico', 'Gestione dei rifiuti', 'Energie rinnovabili', 'Sostenibilità'],
  ],
  [
    'SOC',
    'Sociale e sanità',
    'Assistenza alla persona e servizi sociali',
    6,
    [
      'Assistenza familiare',
      'Igiene e alimentazione',
      'Cura degli anziani',
      "Servizi per l'infanzia",
    ],
  ],
  [
    'TUR',
    'Turismo e commercio',
    'Accoglienza, ristorazione, commercio',
    5,
    [
      'Accoglienza turistica',
      'Igiene degli alimenti HACCP',
      'Vetrinistica',
      'Commercio elettronico',
    ],
  ],
  [
    'CIT',
    'Cittadinanza e diritti',
    'Diritto del lavoro, cittadinanza, pari opportunità',
    4,
    ['Diritto del lavoro', 'Contratti di lavoro', 'Pari opportunità', 'Educazione finanziaria'],
  ],
  [
    'ORI',
    'Orientamento e ricerca del lavoro',
    'Curriculum, colloquio, bilancio di competenze',
    5,
    [
      'Scrivere il curriculum',
      'Il colloquio di lavoro',
      'Cercare lavoro in rete',
      'Bilancio di competenze',
      'Mettersi in proprio',
    ],
  ],
];

const LEVEL_SUFFIX: Readonly<Record<Level, readonly string[]>> = {
  BASE: ['primi passi', 'corso base', 'introduzione'],
  INTERMEDIO: ['livello intermedio', 'approfondimento'],
  AVANZATO: ['livello avanzato', 'tecniche avanzate'],
};

const LEVEL = new WeightedChoice<Level>([
  ['BASE', 50],
  ['INTERMEDIO', 32],
  ['AVANZATO', 18],
]);

export function buildAreas(): Area[] {
  return AREAS.map(([code, name, description]) => ({ code, name, description }));
}

export function buildCourses(rng: Rng, count: number): Course[] {
  const areaChoice = new WeightedChoice(AREAS.map((a) => [a, a[3]] as const));
  const perArea = new Map<string, number>();
  const courses: Course[] = [];
  for (let i = 0; i < count; i++) {
    // every area gets at least a few courses, whatever the scale
    const area = i < AREAS.length * 4 ? AREAS[i % AREAS.length]! : areaChoice.draw(rng);
    const [code, areaName, , , topics] = area;
    const n = (perArea.get(code) ?? 0) + 1;
    perArea.set(code, n);
    const level = LEVEL.draw(rng);
    const topic = rng.pick(topics);
    const module = rng.chance(0.35) ? ` - modulo ${rng.range(1, 6)}` : '';
    const title = `${topic}: ${rng.pick(LEVEL_SUFFIX[level])}${module}`;
    const hours =
      level === 'BASE'
        ? rng.range(4, 20)
        : level === 'INTERMEDIO'
          ? rng.range(12, 40)
          : rng.range(20, 60);
    courses.push({
      id: `TR${String(i + 1).padStart(4, '0')}`,
      code: `${code}-${String(n).padStart(4, '0')}`,
      title,
      area: code,
      hours,
      level,
      certifiable: rng.chance(0.6),
      tutor: rng.chance(0.5),
      description: `Corso on line di ${hours} ore, area ${areaName}: ${topic.toLowerCase()} (${level.toLowerCase()}).`,
    });
  }
  return courses;
}

export function buildWorkstations(desks: readonly Desk[]): Workstation[] {
  const out: Workstation[] = [];
  for (const d of desks) {
    for (let i = 1; i <= d.workstations; i++) {
      out.push({ id: `${d.code}-${i}`, desk: d.code, label: `Postazione ${i}` });
    }
  }
  return out;
}

export interface TrainingInput {
  rng: Rng;
  scale: number;
  /** Everyone, by index. */
  people: readonly Person[];
  /** The people IDOL knows (those TRIO may meet). */
  population: readonly Person[];
  schede: readonly Scheda[];
  courses: readonly Course[];
  desks: readonly Desk[];
}

export function buildEnrolments(input: TrainingInput): {
  enrolments: Enrolment[];
  certificates: Certificate[];
} {
  const { rng, scale, people, population, schede, courses, desks } = input;
  const count = Math.round(20_000 * scale);
  const courseTable = new AliasTable(
    courses.map(
      (c) =>
        (c.level === 'BASE' ? 3 : c.level === 'INTERMEDIO' ? 1.5 : 1) *
        (c.area === 'INF' || c.area === 'LIN' ? 2 : 1),
    ),
  );
  const stationDesks = desks.filter((d) => d.workstations > 0);
  const deskByCode = new Map(desks.map((d) => [d.code, d]));
  const drafts: Omit<Enrolment, 'id'>[] = [];
  const completion = new Map<Omit<Enrolment, 'id'>, number>();
  // job seekers by registration day, to pick one registered before the enrolment
  const seekers = [...schede].sort((a, b) => a.didDay - b.didDay);
  const enrolMonth = [1.3, 1.2, 1.2, 1.0, 1.0, 0.8, 0.6, 0.4, 1.1, 1.2, 1.2, 0.8];
  const dayTable = new AliasTable(
    Array.from({ length: WINDOW_END - WINDOW_START + 1 }, (_, i) => {
      const d = WINDOW_START + i;
      const wd = weekday(d);
      return (wd === 0 || wd === 6 ? 0.3 : 1) * (enrolMonth[monthOf(d) - 1] ?? 1);
    }),
  );
  for (let i = 0; i < count; i++) {
    const day = WINDOW_START + dayTable.draw(rng);
    let person: Person | undefined;
    let registered = 0;
    let hi = seekers.length;
    while (registered < hi) {
      const m = (registered + hi) >> 1;
      if ((seekers[m]?.didDay ?? 0) <= day) registered = m + 1;
      else hi = m;
    }
    if (registered > 0 && rng.chance(0.75)) {
      person = people[seekers[rng.int(registered)]!.person];
    } else {
      person = rng.pick(population);
    }
    if (!person) continue;
    const courseIdx = courseTable.draw(rng);
    const course = courses[courseIdx]!;
    const finish = day + Math.ceil(course.hours / 2) + rng.range(3, 90);
    let state: EnrolmentState;
    let progress: number;
    const r = rng.next();
    if (r < 0.22) {
      state = 'RITIRATO';
      progress = rng.range(0, 80);
    } else if (finish > WINDOW_END || r < 0.35) {
      state = 'IN_CORSO';
      progress = rng.range(0, 95);
    } else {
      state = 'COMPLETATO';
      progress = 100;
    }
    let desk: string | null = null;
    if (rng.chance(0.3)) {
      const home = deskByCode.get(person.homeDesk);
      const candidates = home && home.workstations > 0 ? [home] : stationDesks;
      const d = rng.pick(candidates.length > 0 ? candidates : stationDesks);
      if (d && deskOpenOn(d, day)) desk = d.code;
    }
    const draft = { person: person.idx, course: courseIdx, day, state, progress, desk };
    drafts.push(draft);
    if (state === 'COMPLETATO') completion.set(draft, finish);
  }
  drafts.sort((a, b) => a.day - b.day || a.person - b.person);
  const enrolments: Enrolment[] = drafts.map((d, i) => ({
    ...d,
    id: `I${String(i + 1).padStart(7, '0')}`,
  }));
  const certificates: Certificate[] = [];
  drafts.forEach((d) => {
    const finish = completion.get(d);
    const course = courses[d.course];
    if (finish === undefined || !course?.certifiable) return;
    certificates.push({
      id: '',
      person: d.person,
      course: d.course,
      day: finish,
      score: rng.range(18, 30),
    });
  });
  certificates.sort((a, b) => a.day - b.day || a.person - b.person);
  certificates.forEach((c, i) => {
    c.id = `T${String(i + 1).padStart(7, '0')}`;
  });
  return { enrolments, certificates };
}

const DAY_NAMES = ['DOM', 'LUN', 'MAR', 'MER', 'GIO', 'VEN', 'SAB'] as const;

/**
 * Bookings of the public workstations, one hour each within the desk's opening
 * hours, from 3 November 2014 to 30 January 2015 (all CET, +01:00): the recent past
 * and the near future as seen on the dataset date.
 */
export function buildBookings(
  rng: Rng,
  scale: number,
  workstations: readonly Workstation[],
  desks: readonly Desk[],
  population: readonly Person[],
  schede: readonly Scheda[],
): Booking[] {
  const deskByCode = new Map(desks.map((d) => [d.code, d]));
  const occupancy = 0.35 * Math.min(1, scale);
  const from = dayOf(2014, 11, 3);
  const to = dayOf(2015, 1, 30);
  const out: Omit<Booking, 'id'>[] = [];
  for (const w of workstations) {
    const desk = deskByCode.get(w.desk);
    if (!desk) continue;
    for (let d = from; d <= to; d++) {
      const dayName = DAY_NAMES[weekday(d)];
      for (const h of desk.hours) {
        if (h.giorno !== dayName) continue;
        const startHour = Number(h.dalle.slice(0, 2)) + (h.dalle.endsWith(':30') ? 1 : 0);
        const endHour = Number(h.alle.slice(0, 2));
        for (let hour = startHour; hour + 1 <= endHour; hour++) {
          if (!rng.chance(d > WINDOW_END ? occupancy * 0.5 : occupancy)) continue;
          const s = schede.length > 0 && rng.chance(0.8) ? rng.pick(schede) : undefined;
          const person = s ? s.person : rng.pick(population).idx;
          const iso = isoDay(d);
          const hh = (n: number): string => String(n).padStart(2, '0');
          out.push({
            workstation: w.id,
            start: `${iso}T${hh(hour)}:00:00+01:00`,
            end: `${iso}T${hh(hour + 1)}:00:00+01:00`,
            person,
          });
        }
      }
    }
  }
  out.sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : a.workstation < b.workstation ? -1 : 1,
  );
  return out.map((b, i) => ({ ...b, id: `B${String(i + 1).padStart(7, '0')}` }));
}
