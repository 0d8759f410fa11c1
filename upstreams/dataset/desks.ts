/**
 * The desk network: the employment centre and the 11 labour-registry desks of
 * reference/prato_desks_2010.csv (real addresses), plus 18 first-reception points.
 *
 * SIMULATED (no public source): the points' host organisations' names and
 * locations, every opening hour, the service lists, accreditation numbers and dates,
 * opening dates, and how the 30 public TRIO workstations are spread over the desks.
 * None of it is official.
 */
import { dayFromIso } from './calendar.js';
import type { Reference } from './reference.js';

export type DeskKind = 'CENTRO_IMPIEGO' | 'ANAGRAFE_LAVORO' | 'PRIMA_ACCOGLIENZA';
export type HostKind = 'SINDACATO' | 'ASSOCIAZIONE_DATORIALE' | 'PATRONATO';
export type Service =
  'ISCRIZIONE' | 'ORIENTAMENTO' | 'INCONTRO_DOMANDA_OFFERTA' | 'CONSULENZA' | 'ASSISTENZA_CO';

export interface OpeningHours {
  giorno: 'LUN' | 'MAR' | 'MER' | 'GIO' | 'VEN' | 'SAB';
  dalle: string;
  alle: string;
}

export interface Desk {
  code: string;
  kind: DeskKind;
  name: string;
  address: string;
  comune: string;
  district: string | null;
  host: string | null;
  hours: OpeningHours[];
  services: Service[];
  accreditation: { numero: string; dal: string; al: string | null } | null;
  workstations: number;
  opened: string;
  closed: string | null;
  openedDay: number;
  closedDay: number | null;
}

export interface Host {
  code: string;
  name: string;
  kind: HostKind;
}

// Simulated host organisations (DOMAIN.md §1 names the kinds of host, not the offices).
const HOSTS: readonly Host[] = [
  { code: 'CGIL', name: 'CGIL Prato', kind: 'SINDACATO' },
  { code: 'CISL', name: 'CISL Prato', kind: 'SINDACATO' },
  { code: 'UIL', name: 'UIL Prato', kind: 'SINDACATO' },
  { code: 'INCA', name: 'Patronato INCA CGIL Prato', kind: 'PATRONATO' },
  { code: 'INAS', name: 'Patronato INAS CISL Prato', kind: 'PATRONATO' },
  { code: 'ITAL', name: 'Patronato ITAL UIL Prato', kind: 'PATRONATO' },
  { code: 'UIP', name: 'Unione Industriale Pratese', kind: 'ASSOCIAZIONE_DATORIALE' },
  { code: 'CNA', name: 'CNA Prato', kind: 'ASSOCIAZIONE_DATORIALE' },
  { code: 'CONFART', name: 'Confartigianato Prato', kind: 'ASSOCIAZIONE_DATORIALE' },
  { code: 'CONFCOMM', name: 'Confcommercio Prato', kind: 'ASSOCIAZIONE_DATORIALE' },
  { code: 'CONFES', name: 'Confesercenti Prato', kind: 'ASSOCIAZIONE_DATORIALE' },
  { code: 'COLDIR', name: 'Coldiretti Prato', kind: 'ASSOCIAZIONE_DATORIALE' },
  { code: 'CIA', name: 'CIA Prato', kind: 'ASSOCIAZIONE_DATORIALE' },
];

// Simulated: 8 points at unions and patronati, 10 at employer associations.
// [host, comune ISTAT, street address]
const POINTS: readonly (readonly [string, string, string])[] = [
  ['CGIL', '100005', 'Piazza Mercatale 89'],
  ['CGIL', '100003', 'Via Montalese 120'],
  ['CISL', '100005', 'Via Pistoiese 40'],
  ['CISL', '100006', 'Via Mazzini 12'],
  ['UIL', '100005', 'Via Bologna 88'],
  ['INCA', '100005', 'Viale della Repubblica 14'],
  ['INAS', '100002', 'Via Roma 21'],
  ['ITAL', '100007', 'Via Garibaldi 5'],
  ['UIP', '100005', 'Via Galcianese 35'],
  ['CNA', '100005', 'Via Roncioni 60'],
  ['CNA', '100003', 'Via Toscana 9'],
  ['CONFART', '100005', 'Via Ferrucci 203'],
  ['CONFART', '100004', 'Via Cancellieri 30'],
  ['CONFCOMM', '100005', 'Via San Paolo 11'],
  ['CONFCOMM', '100001', 'Via Roma 3'],
  ['CONFES', '100005', 'Viale Montegrappa 72'],
  ['COLDIR', '100002', 'Via Livornese 18'],
  ['CIA', '100006', 'Via del Lavoro 7'],
];

const WORKSTATIONS: Readonly<Record<string, number>> = {
  'PO-CPI': 6,
  'PO-NORD': 3,
  'PO-EST': 3,
  'PO-SUD': 3,
  'PO-CENTRO': 3,
  MM: 3,
  VA: 2,
  VE: 2,
  CG: 2,
  PC: 2,
  CA: 1,
};

const DISTRICT_DESK_HOURS: readonly (readonly OpeningHours[])[] = [
  [
    { giorno: 'LUN', dalle: '09:00', alle: '13:00' },
    { giorno: 'MER', dalle: '09:00', alle: '13:00' },
    { giorno: 'GIO', dalle: '14:30', alle: '17:30' },
  ],
  [
    { giorno: 'MAR', dalle: '09:00', alle: '13:00' },
    { giorno: 'GIO', dalle: '09:00', alle: '13:00' },
    { giorno: 'VEN', dalle: '09:00', alle: '12:00' },
  ],
];

const COMUNE_DESK_HOURS: readonly (readonly OpeningHours[])[] = [
  [
    { giorno: 'MAR', dalle: '09:00', alle: '12:30' },
    { giorno: 'VEN', dalle: '09:00', alle: '12:30' },
  ],
  [
    { giorno: 'LUN', dalle: '09:00', alle: '12:30' },
    { giorno: 'GIO', dalle: '14:30', alle: '17:30' },
  ],
];

const POINT_HOURS: readonly (readonly OpeningHours[])[] = [
  [{ giorno: 'MAR', dalle: '15:00', alle: '18:00' }],
  [
    { giorno: 'LUN', dalle: '09:00', alle: '12:00' },
    { giorno: 'SAB', dalle: '09:00', alle: '12:00' },
  ],
  [{ giorno: 'GIO', dalle: '09:00', alle: '12:30' }],
];

export function buildDesks(ref: Reference): { desks: Desk[]; hosts: Host[] } {
  const comuneName = new Map(ref.comuni.map((c) => [c.istat, c.name]));
  const desks: Desk[] = [];
  let accreditation = 0;
  let districtIdx = 0;
  let comuneIdx = 0;
  for (const row of ref.desks) {
    const isCentre = row.kind === 'CENTRO_IMPIEGO';
    const closed = row.code === 'PO-OVEST' ? '2012-01-31' : null;
    const opened = isCentre ? '2003-01-02' : '2009-10-01';
    accreditation += 1;
    const hours: OpeningHours[] = isCentre
      ? [
          ...(['LUN', 'MAR', 'MER', 'GIO', 'VEN'] as const).map((giorno) => ({
            giorno,
            dalle: '09:00',
            alle: '13:00',
          })),
          { giorno: 'MAR', dalle: '14:30', alle: '17:00' },
          { giorno: 'GIO', dalle: '14:30', alle: '17:00' },
        ]
      : row.district
        ? [...(DISTRICT_DESK_HOURS[districtIdx++ % DISTRICT_DESK_HOURS.length] ?? [])]
        : [...(COMUNE_DESK_HOURS[comuneIdx++ % COMUNE_DESK_HOURS.length] ?? [])];
    const services: Service[] = isCentre
      ? ['ISCRIZIONE', 'ORIENTAMENTO', 'INCONTRO_DOMANDA_OFFERTA', 'CONSULENZA', 'ASSISTENZA_CO']
      : row.district
        ? ['ISCRIZIONE', 'ORIENTAMENTO', 'INCONTRO_DOMANDA_OFFERTA', 'CONSULENZA', 'ASSISTENZA_CO']
        : ['ISCRIZIONE', 'ORIENTAMENTO', 'CONSULENZA', 'ASSISTENZA_CO'];
    desks.push({
      code: row.code,
      kind: row.kind,
      name: isCentre
        ? "Centro per l'Impiego di Prato"
        : `Sportello anagrafe del lavoro ${row.district ?? comuneName.get(row.comune) ?? row.comune}`,
      address: row.address,
      comune: row.comune,
      district: row.district,
      host: null,
      hours,
      services,
      accreditation: {
        numero: `ACC-${opened.slice(0, 4)}-${String(accreditation).padStart(3, '0')}`,
        dal: opened,
        al: closed,
      },
      workstations: WORKSTATIONS[row.code] ?? 0,
      opened,
      closed,
      openedDay: dayFromIso(opened),
      closedDay: closed === null ? null : dayFromIso(closed),
    });
  }
  const perHost = new Map<string, number>();
  POINTS.forEach(([hostCode, comune, address], i) => {
    const host = HOSTS.find((h) => h.code === hostCode);
    if (!host) throw new Error(`unknown host ${hostCode}`);
    const n = (perHost.get(hostCode) ?? 0) + 1;
    perHost.set(hostCode, n);
    const employerSide = host.kind === 'ASSOCIAZIONE_DATORIALE';
    desks.push({
      code: `PA-${hostCode}-${n}`,
      kind: 'PRIMA_ACCOGLIENZA',
      name: `Punto di prima accoglienza ${host.name} ${comuneName.get(comune) ?? ''}`.trim(),
      address,
      comune,
      district: null,
      host: hostCode,
      hours: [...(POINT_HOURS[i % POINT_HOURS.length] ?? [])],
      services: employerSide ? ['CONSULENZA', 'ASSISTENZA_CO'] : ['CONSULENZA'],
      accreditation: null,
      workstations: 0,
      opened: '2009-09-15',
      closed: null,
      openedDay: dayFromIso('2009-09-15'),
      closedDay: null,
    });
  });
  return { desks, hosts: [...HOSTS] };
}

export function deskOpenOn(desk: Desk, day: number): boolean {
  return day >= desk.openedDay && (desk.closedDay === null || day <= desk.closedDay);
}
