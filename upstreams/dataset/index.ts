/**
 * The deterministic dataset of the four simulated systems: one world (people,
 * employers, desks) generated from a seed and written as registry.sqlite,
 * idol.sqlite, co.sqlite, trio.sqlite and manifest.json.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SYSTEMS, type DatasetManifest, type DatasetOptions } from '../types.js';
import { dayOf, endOfMonth, monthOf } from './calendar.js';
import { buildDesks, deskOpenOn } from './desks.js';
import { assignDelegations, buildEmployers } from './employers.js';
import {
  assignWorkers,
  emitCommunications,
  planRelationships,
  type WorkerPool,
} from './employment.js';
import { buildJobSeekers } from './jobseekers.js';
import { PeopleFactory, type Person, type PoolName } from './people.js';
import { Rng } from './prng.js';
import { loadReference } from './reference.js';
import { activityKey, writeCo, writeIdol, writeRegistry, writeTrio } from './store.js';
import {
  buildAreas,
  buildBookings,
  buildCourses,
  buildEnrolments,
  buildWorkstations,
} from './training.js';
import { buildVacancies } from './vacancies.js';

/** Bump whenever the generated data changes, so that stale datasets are rebuilt. */
export const GENERATOR_VERSION = 3;
export const DEFAULT_SEED = 2010;
export const DEFAULT_SCALE = 1;
export const MAX_SCALE = 10;

export function validateDatasetOptions(seed: number, scale: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`dataset seed must be an integer in [0, 4294967295], got ${seed}`);
  }
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) {
    throw new RangeError(`dataset scale must be a number in (0, ${MAX_SCALE}], got ${scale}`);
  }
}

/** Generate the whole dataset into an empty folder. */
export function generateDataset(dir: string, seed: number, scale: number): DatasetManifest {
  validateDatasetOptions(seed, scale);
  const ref = loadReference();
  const stream = (name: string): Rng => new Rng(seed, name);
  const { desks, hosts } = buildDesks(ref);

  const employers = buildEmployers(
    stream('employers'),
    ref,
    Math.max(20, Math.round(30_000 * scale)),
  );
  // A stream of its own: the rest of the world is the same as before delegations existed.
  assignDelegations(stream('delegations'), employers, hosts);
  const rels = planRelationships({
    rng: stream('employment'),
    employers,
    target: Math.round(400_000 * scale),
    occupations: ref.occupations,
  });

  // people: each pool sized by the relationships that need its workers
  const demand: Record<PoolName, number> = { IT: 0, CN: 0, OF: 0 };
  for (const r of rels) demand[r.pool]++;
  const totalDemand = demand.IT + demand.CN + demand.OF;
  const distinctWorkers = Math.round(140_000 * scale);
  const factory = new PeopleFactory(stream('people'), ref);
  const pools: WorkerPool[] = (['IT', 'CN', 'OF'] as const).map((name) => {
    const size = Math.max(
      1,
      Math.round((distinctWorkers * demand[name]) / Math.max(1, totalDemand)),
    );
    const people: Person[] = [];
    for (let i = 0; i < size; i++) people.push(factory.create(name));
    return { name, people };
  });
  const neverEmployed: Person[] = [];
  const youngRng = stream('inoccupati');
  for (let i = 0, n = Math.round(6_500 * scale); i < n; i++) {
    const r = youngRng.next();
    neverEmployed.push(factory.create(r < 0.65 ? 'IT' : r < 0.85 ? 'OF' : 'CN', true));
  }
  const people = factory.people;
  assignWorkers(stream('workers'), rels, pools);
  const comms = emitCommunications({
    rng: stream('communications'),
    rels,
    people,
    employers,
    desks,
  });

  const jobSeekers = buildJobSeekers({
    rng: stream('jobseekers'),
    scale,
    people,
    neverEmployed,
    rels,
    employers,
    desks,
  });

  // IDOL knows everyone in the communications and everyone who registered
  const known = new Set<number>();
  for (const r of rels) known.add(r.worker);
  for (const s of jobSeekers.schede) known.add(s.person);
  const population = stream('ids').shuffle(people.filter((p) => known.has(p.idx)));
  population.forEach((p, i) => {
    p.id = `L${String(i + 1).padStart(7, '0')}`;
  });

  const { vacancies, candidates } = buildVacancies({
    rng: stream('vacancies'),
    scale,
    employers,
    schede: jobSeekers.schede,
    occupations: ref.occupations,
  });

  const areas = buildAreas();
  const courses = buildCourses(stream('courses'), Math.max(120, Math.round(1_700 * scale)));
  const { enrolments, certificates } = buildEnrolments({
    rng: stream('enrolments'),
    scale,
    people,
    population,
    schede: jobSeekers.schede,
    courses,
    desks,
  });
  const workstations = buildWorkstations(desks);
  const bookings = buildBookings(
    stream('bookings'),
    scale,
    workstations,
    desks,
    population,
    jobSeekers.schede,
  );

  // desk activity, consistent with the other systems
  const activity = new Map<string, number>();
  const count = (desk: string | null, day: number, service: string): void => {
    if (desk === null) return;
    const key = activityKey(desk, day, service);
    activity.set(key, (activity.get(key) ?? 0) + 1);
  };
  for (const s of jobSeekers.schede) count(s.desk, s.didDay, 'ISCRIZIONE');
  for (const s of jobSeekers.sessions) count(s.desk, s.day, 'ORIENTAMENTO');
  for (const c of comms) count(c.desk, c.sent, 'ASSISTENZA_CO');
  // counselling is not recorded by any other system: simulated monthly volumes
  const consult = stream('consulenza');
  for (const d of desks) {
    if (!d.services.includes('CONSULENZA')) continue;
    const base = d.kind === 'CENTRO_IMPIEGO' ? 120 : d.kind === 'ANAGRAFE_LAVORO' ? 40 : 15;
    for (let y = 2010; y <= 2014; y++) {
      for (let m = 1; m <= 12; m++) {
        const first = dayOf(y, m, 1);
        if (!deskOpenOn(d, first) || !deskOpenOn(d, endOfMonth(first))) continue;
        const n = Math.round(
          base * scale * (monthOf(first) === 8 ? 0.4 : 1) * (0.7 + 0.6 * consult.next()),
        );
        if (n > 0) activity.set(activityKey(d.code, first, 'CONSULENZA'), n);
      }
    }
  }
  const sortedActivity = new Map(
    [...activity.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );

  const counts: Record<string, number> = {};
  Object.assign(
    counts,
    writeRegistry(dir, { desks, hosts, comuni: ref.comuni, activity: sortedActivity }),
  );
  Object.assign(
    counts,
    writeIdol(dir, { population, people, employers, jobSeekers, vacancies, candidates }),
  );
  Object.assign(counts, writeCo(dir, { people, employers, rels, comms, vacancies }));
  Object.assign(
    counts,
    writeTrio(dir, { people, areas, courses, enrolments, certificates, workstations, bookings }),
  );
  counts['lavoratori.co'] = new Set(rels.map((r) => r.worker)).size;
  counts['relazioni'] = rels.length;
  const manifest: DatasetManifest = {
    generatorVersion: GENERATOR_VERSION,
    seed,
    scale,
    createdAt: new Date().toISOString(),
    counts,
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export function readManifest(dir: string): DatasetManifest | null {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const m = parsed as Partial<DatasetManifest>;
    if (
      typeof m.generatorVersion !== 'number' ||
      typeof m.seed !== 'number' ||
      typeof m.scale !== 'number' ||
      typeof m.createdAt !== 'string' ||
      typeof m.counts !== 'object' ||
      m.counts === null
    ) {
      return null;
    }
    return m as DatasetManifest;
  } catch {
    return null;
  }
}

function usable(dir: string, seed: number, scale: number): DatasetManifest | null {
  const m = readManifest(dir);
  if (!m || m.generatorVersion !== GENERATOR_VERSION || m.seed !== seed || m.scale !== scale)
    return null;
  return SYSTEMS.every((s) => existsSync(join(dir, `${s}.sqlite`))) ? m : null;
}

let tmpCounter = 0;

/**
 * Reuse the dataset in `dir` if its manifest matches seed, scale and generator
 * version; otherwise build it in a sibling temporary folder and swap it in, so that
 * a reader never sees a half-written dataset.
 */
export function ensureDataset(opts: DatasetOptions): Promise<DatasetManifest> {
  try {
    return Promise.resolve(ensureDatasetSync(opts));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export function ensureDatasetSync(opts: DatasetOptions): DatasetManifest {
  const seed = opts.seed ?? DEFAULT_SEED;
  const scale = opts.scale ?? DEFAULT_SCALE;
  validateDatasetOptions(seed, scale);
  const dir = resolve(opts.dir);
  const existing = usable(dir, seed, scale);
  if (existing) return existing;
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const suffix = `${process.pid}-${Date.now()}-${tmpCounter++}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${suffix}`);
  const old = join(parent, `.${basename(dir)}.old-${suffix}`);
  mkdirSync(tmp);
  try {
    const manifest = generateDataset(tmp, seed, scale);
    // someone else may have finished the same dataset meanwhile
    const raced = usable(dir, seed, scale);
    if (raced) return raced;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
    return manifest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
