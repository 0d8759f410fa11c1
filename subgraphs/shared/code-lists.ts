// The national code lists shipped in reference/ (ISTAT, ANPAL, Ministero del Lavoro),
// loaded lazily once per process: they are public reference data, identical for every
// caller, so a module-level cache is safe here (unlike per-request loaders).
import { parseCsv } from '../../lib/csv.js';
import { readProjectFile } from '../../lib/project-files.js';

const cache = new Map<string, Record<string, string>[]>();

export function referenceRows(file: string): Record<string, string>[] {
  let rows = cache.get(file);
  if (!rows) {
    rows = parseCsv(readProjectFile('reference', file));
    cache.set(file, rows);
  }
  return rows;
}

function indexBy<T>(
  file: string,
  key: string,
  map: (row: Record<string, string>) => T,
): () => ReadonlyMap<string, T> {
  let index: Map<string, T> | undefined;
  return () => {
    index ??= new Map(referenceRows(file).map((row) => [row[key] ?? '', map(row)]));
    return index;
  };
}

const orNull = (value: string | undefined): string | null => (value ? value.trim() : null);
const italianDate = (value: string | undefined): string | null => {
  const m = value ? /^(\d{2})-(\d{2})-(\d{4})$/.exec(value) : null;
  return m ? `${m[3]}-${m[2]}-${m[1]}` : orNull(value);
};

export interface ContractTypeEntry {
  code: string;
  label: string;
  validFrom: string | null;
  validTo: string | null;
  openEnded: boolean;
}

export const contractTypes = indexBy(
  'co_tipologia_contrattuale.csv',
  'code',
  (r): ContractTypeEntry => {
    const label = (r.description_it ?? '').replace(/\s+/g, ' ').trim();
    return {
      code: r.code ?? '',
      label,
      validFrom: orNull(r.valid_from),
      validTo: orNull(r.valid_to),
      openEnded: /TEMPO INDETERMINATO/.test(label),
    };
  },
);

/** True when the contract code may be used for an event on `date` (YYYY-MM-DD). */
export function contractTypeValidOn(code: string, date: string): boolean {
  const entry = contractTypes().get(code);
  if (!entry) return false;
  return (
    (entry.validFrom === null || entry.validFrom <= date) &&
    (entry.validTo === null || date <= entry.validTo)
  );
}

export const workingTimes = indexBy('co_tipo_orario.csv', 'code', (r) => ({
  code: r.code ?? '',
  label: r.description_it ?? '',
  partTime: r.code === 'P' || r.code === 'V' || r.code === 'M',
}));

export const transformations = indexBy('co_codice_trasformazione.csv', 'code', (r) => ({
  code: r.code ?? '',
  label: (r.description_it ?? '').startsWith('(') ? null : (r.description_it ?? null),
}));

export const collectiveAgreements = indexBy('ccnl.csv', 'code', (r) => ({
  code: r.code ?? '',
  sector: orNull(r.sector),
  label: orNull(r.description_it_truncated),
  validFrom: italianDate(r.valid_from),
  validTo: italianDate(r.valid_to),
}));

export const occupations = indexBy('cp2011_full_6level.csv', 'code', (r) => ({
  code: r.code ?? '',
  label: r.description_it ?? '',
}));

export const atecoActivities = indexBy('ateco2007_full_6digit.csv', 'code', (r) => ({
  code: r.code ?? '',
  label: r.description_it ?? '',
}));

export const citizenships = indexBy('cittadinanze.csv', 'cod_cittadinanza', (r) => ({
  code: r.cod_cittadinanza ?? '',
  name: r.des_cittadinanza ?? '',
  europeanUnion: r.flg_ue === 'S',
}));

export const countriesByZCode = indexBy(
  'nazioni_belfiore.csv',
  'cod_nazione',
  (r) => r.des_nazione ?? '',
);

export const comuniByCadastralCode = indexBy('comuni_provincia_prato.csv', 'belfiore', (r) => ({
  istatCode: r.istat ?? '',
  cadastralCode: r.belfiore ?? '',
  name: r.name ?? '',
  postalCode: r.cap ?? '',
}));

export const educationLevels = indexBy('titolo_studio_livello.csv', 'cod_livellostudio', (r) => ({
  code: r.cod_livellostudio ?? '',
  label: r.des_livellostudio ?? '',
}));

export const sizeClasses = indexBy('classe_dimensionale_azienda.csv', 'cod_ampiezza', (r) => ({
  code: r.cod_ampiezza ?? '',
  label: r.des_ampiezza ?? '',
}));

export const jobSeekerConditions = indexBy(
  'sap_condizione_status.csv',
  'cod_condizione_status',
  (r) => ({
    code: r.cod_condizione_status ?? '',
    label: r.des_condizione_status ?? '',
  }),
);

export const didEndCauses = indexBy(
  'did_causa_fine.csv',
  'cod_causa_fine_did',
  (r) => r.des_causa_fine_did ?? '',
);

/**
 * Cessation causes. The official ministerial table is not in reference/ (see
 * reference/SOURCES.md); these stand in for it behind the same `code`.
 */
export const CESSATION_CAUSES: ReadonlyMap<string, string> = new Map([
  ['DI', 'Dimissioni'],
  ['LC', 'Licenziamento collettivo'],
  ['GM', 'Licenziamento per giustificato motivo oggettivo'],
  ['SC', 'Scadenza del termine'],
  ['RC', 'Risoluzione consensuale'],
  ['PE', 'Pensionamento'],
  ['AL', 'Altro'],
]);
