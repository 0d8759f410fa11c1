/**
 * The public code lists in reference/ (ISTAT, ANPAL, Ministero del Lavoro), read
 * once per process. The folder is found by walking up from this module, so the
 * same code works from the sources (tsx, vitest) and from dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../lib/csv.js';

export interface Comune {
  istat: string;
  belfiore: string;
  name: string;
  cap: string;
}

export interface DeskRow {
  code: string;
  kind: 'CENTRO_IMPIEGO' | 'ANAGRAFE_LAVORO';
  comune: string;
  district: string | null;
  address: string;
}

export interface ContractType {
  code: string;
  label: string;
  validFrom: string;
  validTo: string | null;
}

export interface Ateco {
  code: string;
  label: string;
}

export interface Citizenship {
  code: string;
  belfiore: string;
  label: string;
}

export interface Reference {
  comuni: Comune[];
  desks: DeskRow[];
  contractTypes: Map<string, ContractType>;
  atecoDistrict: Ateco[];
  ccnl: Map<string, { code: string; sector: string; validFrom: string; validTo: string | null }>;
  occupations: Map<string, string>;
  citizenships: Map<string, Citizenship>;
  countries: Map<string, string>;
  employmentStatuses: string[];
  specialLists: string[];
  didEndCauses: string[];
  educationLevels: string[];
  sizeClasses: string[];
  transformationCodes: string[];
  workingTimes: string[];
  l68Categories: string[];
  incomeSupportTypes: string[];
}

let cached: Reference | undefined;

export function findReferenceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'reference');
    if (existsSync(join(candidate, 'co_tipologia_contrattuale.csv'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('reference/ folder with the code lists not found above upstreams/dataset');
}

function read(dir: string, file: string): Record<string, string>[] {
  return parseCsv(readFileSync(join(dir, file), 'utf8'));
}

/** ccnl.csv writes dates as DD-MM-YYYY. */
function dmyToIso(dmy: string): string | null {
  const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(dmy);
  return m ? `${m[3]}-${m[2]}-${m[1]}` : null;
}

function col(row: Record<string, string>, name: string): string {
  const v = row[name];
  if (v === undefined) throw new Error(`reference column ${name} missing`);
  return v;
}

export function loadReference(): Reference {
  if (cached) return cached;
  const dir = findReferenceDir();
  const comuni = read(dir, 'comuni_provincia_prato.csv').map((r) => ({
    istat: col(r, 'istat'),
    belfiore: col(r, 'belfiore'),
    name: col(r, 'name').replace(' A ', ' a '),
    cap: col(r, 'cap'),
  }));
  const desks = read(dir, 'prato_desks_2010.csv').map((r) => ({
    code: col(r, 'desk_id'),
    kind: col(r, 'kind') as DeskRow['kind'],
    comune: col(r, 'comune_istat'),
    district: col(r, 'circoscrizione') || null,
    // "Via VII Marzo 15, Prato" -> "Via VII Marzo 15"; the rest is the comune or a note
    address: col(r, 'address').split(',')[0]?.trim() ?? '',
  }));
  const contractTypes = new Map<string, ContractType>();
  for (const r of read(dir, 'co_tipologia_contrattuale.csv')) {
    contractTypes.set(col(r, 'code'), {
      code: col(r, 'code'),
      label: col(r, 'description_it').replace(/\s+/g, ' '),
      validFrom: col(r, 'valid_from'),
      validTo: col(r, 'valid_to') || null,
    });
  }
  const ccnl = new Map<
    string,
    { code: string; sector: string; validFrom: string; validTo: string | null }
  >();
  for (const r of read(dir, 'ccnl.csv')) {
    ccnl.set(col(r, 'code'), {
      code: col(r, 'code'),
      sector: col(r, 'sector'),
      validFrom: dmyToIso(col(r, 'valid_from')) ?? '1900-01-01',
      validTo: dmyToIso(col(r, 'valid_to')),
    });
  }
  const occupations = new Map<string, string>();
  for (const r of read(dir, 'cp2011_full_6level.csv')) {
    occupations.set(col(r, 'code'), col(r, 'description_it'));
  }
  const citizenships = new Map<string, Citizenship>();
  for (const r of read(dir, 'cittadinanze.csv')) {
    citizenships.set(col(r, 'cod_cittadinanza'), {
      code: col(r, 'cod_cittadinanza'),
      belfiore: col(r, 'cod_mf'),
      label: col(r, 'des_cittadinanza'),
    });
  }
  const countries = new Map<string, string>();
  for (const r of read(dir, 'nazioni_belfiore.csv')) {
    countries.set(col(r, 'cod_nazione'), col(r, 'des_nazione'));
  }
  const first = (file: string, name: string): string[] => read(dir, file).map((r) => col(r, name));
  cached = {
    comuni,
    desks,
    contractTypes,
    atecoDistrict: read(dir, 'ateco2007_prato_district_subset.csv').map((r) => ({
      code: col(r, 'code'),
      label: col(r, 'description_it'),
    })),
    ccnl,
    occupations,
    citizenships,
    countries,
    employmentStatuses: first('sap_stato_occupazionale.csv', 'code'),
    specialLists: first('sap_liste_speciali.csv', 'cod_listespec'),
    didEndCauses: first('did_causa_fine.csv', 'cod_causa_fine_did'),
    educationLevels: first('titolo_studio_livello.csv', 'cod_livellostudio'),
    sizeClasses: first('classe_dimensionale_azienda.csv', 'cod_ampiezza'),
    transformationCodes: first('co_codice_trasformazione.csv', 'code'),
    workingTimes: first('co_tipo_orario.csv', 'code'),
    l68Categories: [
      ...first('l68_categorie_protette.csv', 'cod_categoria'),
      ...first('l68_tipo_disabilita.csv', 'cod_tipodisabilita'),
    ],
    incomeSupportTypes: [...first('ammortizzatori_tipo_istituto.csv', 'cod_tipoistituto'), 'CIGD'],
  };
  return cached;
}

/** Whether a contract type code is valid on an ISO date (both bounds inclusive). */
export function contractValidAt(ref: Reference, code: string, isoDate: string): boolean {
  const t = ref.contractTypes.get(code);
  if (!t) return false;
  return t.validFrom <= isoDate && (t.validTo === null || isoDate <= t.validTo);
}
