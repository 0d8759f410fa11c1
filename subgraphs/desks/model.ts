// Decodes the registry's Italian JSON (upstreams/API.md, "registry") into domain types.
import { distinctBy } from '../shared/batch.js';
import { Decoder, type JsonRecord } from '../shared/decode.js';

const d = new Decoder('registry');

export type DeskKind = 'EMPLOYMENT_CENTRE' | 'LABOUR_REGISTRY_DESK' | 'FIRST_RECEPTION_POINT';
export type DeskService =
  'REGISTRATION' | 'GUIDANCE' | 'MATCHING' | 'COUNSELLING' | 'COMMUNICATIONS_ASSISTANCE';
export type Weekday = 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY';
export type HostKind = 'TRADE_UNION' | 'EMPLOYER_ASSOCIATION' | 'PATRONATO';

export interface Desk {
  id: string;
  kind: DeskKind;
  name: string;
  address: string;
  comuneIstat: string;
  district: string | null;
  hostId: string | null;
  openingHours: { day: Weekday; opens: string; closes: string }[];
  services: DeskService[];
  accreditation: { number: string; validFrom: string; validTo: string | null } | null;
  publicWorkstationCount: number;
  openedOn: string;
  closedOn: string | null;
}

export interface HostOrganization {
  id: string;
  name: string;
  kind: HostKind;
}

export interface Comune {
  istatCode: string;
  cadastralCode: string;
  name: string;
  postalCode: string;
  province: string;
}

export interface Registry {
  revision: string;
  desks: Desk[];
  hosts: HostOrganization[];
}

export interface DeskActivity {
  deskId: string;
  month: string;
  service: DeskService;
  count: number;
}

const DESK_KINDS: Record<string, DeskKind> = {
  CENTRO_IMPIEGO: 'EMPLOYMENT_CENTRE',
  ANAGRAFE_LAVORO: 'LABOUR_REGISTRY_DESK',
  PRIMA_ACCOGLIENZA: 'FIRST_RECEPTION_POINT',
};

export const SERVICES: Record<string, DeskService> = {
  ISCRIZIONE: 'REGISTRATION',
  ORIENTAMENTO: 'GUIDANCE',
  INCONTRO_DOMANDA_OFFERTA: 'MATCHING',
  CONSULENZA: 'COUNSELLING',
  ASSISTENZA_CO: 'COMMUNICATIONS_ASSISTANCE',
};

export const SERVICE_CODES: Record<DeskService, string> = Object.fromEntries(
  Object.entries(SERVICES).map(([code, service]) => [service, code]),
) as Record<DeskService, string>;

const WEEKDAYS: Record<string, Weekday> = {
  LUN: 'MONDAY',
  MAR: 'TUESDAY',
  MER: 'WEDNESDAY',
  GIO: 'THURSDAY',
  VEN: 'FRIDAY',
  SAB: 'SATURDAY',
};

const HOST_KINDS: Record<string, HostKind> = {
  SINDACATO: 'TRADE_UNION',
  ASSOCIAZIONE_DATORIALE: 'EMPLOYER_ASSOCIATION',
  PATRONATO: 'PATRONATO',
};

function decodeDesk(value: unknown, path: string): Desk {
  const r = d.record(value, path);
  return {
    id: d.string(r, 'codice'),
    kind: d.oneOf(r, 'tipo', DESK_KINDS),
    name: d.string(r, 'denominazione'),
    address: d.string(r, 'indirizzo'),
    comuneIstat: d.string(r, 'comune'),
    district: d.optionalString(r, 'circoscrizione'),
    hostId: d.optionalString(r, 'ente'),
    openingHours: d.list(r, 'orari', (slot, p) => {
      const s = d.record(slot, p);
      return {
        day: d.oneOf(s, 'giorno', WEEKDAYS),
        opens: d.string(s, 'dalle'),
        closes: d.string(s, 'alle'),
      };
    }),
    services: d.array(r.servizi, 'servizi').map((code) => {
      const service =
        typeof code === 'string' && Object.hasOwn(SERVICES, code) ? SERVICES[code] : undefined;
      return service ?? d.fail('servizi');
    }),
    accreditation: d.optional(r, 'accreditamento', (v, p) => {
      const a = d.record(v, p);
      return {
        number: d.string(a, 'numero'),
        validFrom: d.string(a, 'dal'),
        validTo: d.optionalString(a, 'al'),
      };
    }),
    publicWorkstationCount: d.number(r, 'postazioniPubbliche'),
    openedOn: d.string(r, 'apertura'),
    closedOn: d.optionalString(r, 'chiusura'),
  };
}

// The documents' lists are served whole (`desks`, `comuni`, `hostOrganizations`): each
// record once, the first copy when the registry repeats one (shared/batch.ts).

export function decodeRegistry(body: unknown): Registry {
  const r = d.record(body, 'body');
  return {
    revision: d.string(r, 'revisione'),
    desks: distinctBy(d.list(r, 'sportelli', decodeDesk), (desk) => desk.id),
    hosts: distinctBy(
      d.list(r, 'enti', (value, path) => {
        const h: JsonRecord = d.record(value, path);
        return {
          id: d.string(h, 'codice'),
          name: d.string(h, 'denominazione'),
          kind: d.oneOf(h, 'tipo', HOST_KINDS),
        };
      }),
      (host) => host.id,
    ),
  };
}

export function decodeComuni(body: unknown): Comune[] {
  return distinctBy(decodeComuneList(body), (c) => c.istatCode);
}

function decodeComuneList(body: unknown): Comune[] {
  return d.list(d.record(body, 'body'), 'comuni', (value, path) => {
    const c = d.record(value, path);
    return {
      istatCode: d.string(c, 'istat'),
      cadastralCode: d.string(c, 'belfiore'),
      name: d.string(c, 'denominazione'),
      postalCode: d.string(c, 'cap'),
      province: d.string(c, 'provincia'),
    };
  });
}

export function decodeActivity(body: unknown): DeskActivity[] {
  return d.list(d.record(body, 'body'), 'attivita', (value, path) => {
    const a = d.record(value, path);
    return {
      deskId: d.string(a, 'sportello'),
      month: d.string(a, 'mese'),
      service: d.oneOf(a, 'servizio', SERVICES),
      count: d.number(a, 'numero'),
    };
  });
}
