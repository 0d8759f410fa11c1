// co (compulsory communications and employer registry): one method per endpoint,
// decoded models out, typed upstream errors thrown. Knows nothing of GraphQL.
import type { Page } from '../shared/decode.js';
import {
  checkCap,
  createUpstreamClient,
  type UpstreamHttpClient,
} from '../shared/upstream-client.js';
import type { UpstreamConfig } from '../shared/config.js';
import {
  decodeCommunicationPage,
  decodeCommunications,
  decodeEmployerPage,
  decodeEmployers,
  decodeFiledCommunication,
  decodeFlows,
  decodePublishedVacancy,
  decodeVacancies,
  decodeVacancyPage,
  type Communication,
  type CommunicationPage,
  type Employer,
  type FlowRow,
  type Vacancy,
} from './model.js';
import type { CommunicationBody, CoWriteApi, VacancyBody } from './writes.js';

/** Largest id (or fiscal-code) list co accepts on its batch endpoints. */
export const CO_ID_CAP = 50;
/** Largest `limite` of co's cursor paging over one employer's communications. */
export const CO_PAGE_LIMIT_CAP = 500;
/** Largest `dimensione` of co's paged searches. */
export const CO_SEARCH_SIZE_CAP = 200;

/**
 * co's identifier shapes (API.md). co refuses a whole list (400) when one value in it is
 * malformed, so loaders keep such keys out of their batches.
 */
export const CO_ID_SHAPES = {
  employer: /^A\d{6}$/,
  communication: /^C\d{8}$/,
  vacancy: /^O\d{6}$/,
} as const;

export interface EmployerSearch {
  /** ATECO prefix (`13`, `14.13`). */
  ateco?: string;
  /** ISTAT code of the seat's comune. */
  comune?: string;
  pagina: number;
  dimensione: number;
}

export interface EmployerCommunicationsQuery {
  employerId: string;
  from?: string;
  to?: string;
  /** co `tipo` code (ASS, PRO, ...). */
  type?: string;
  /** co's opaque cursor, absent for the first page. */
  cursor?: string;
  limit: number;
}

export interface VacancySearch {
  /** co `stato` code (APERTA, CHIUSA). */
  status?: string;
  comune?: string;
  /** CP2011 prefix. */
  occupation?: string;
  pagina: number;
  dimensione: number;
}

export interface FlowsQuery {
  from: string;
  to: string;
  /** co `raggruppa` names. */
  groupBy: readonly string[];
}

export class CoClient implements CoWriteApi {
  private readonly http: UpstreamHttpClient;

  constructor(options: UpstreamConfig) {
    this.http = createUpstreamClient('co', options, 'x-api-key');
  }

  /** GET /v1/aziende?id= (at most CO_ID_CAP ids). */
  /** POST /v1/comunicazioni; retried only under its idempotency key. */
  async fileCommunication(body: CommunicationBody, idempotencyKey: string) {
    const response = await this.http.post('/v1/comunicazioni', body, { idempotencyKey });
    return { communication: decodeFiledCommunication(response.body), replayed: response.replayed };
  }

  /** POST /v1/offerte. */
  async publishVacancy(body: VacancyBody, idempotencyKey: string) {
    const response = await this.http.post('/v1/offerte', body, { idempotencyKey });
    return { vacancy: decodePublishedVacancy(response.body), replayed: response.replayed };
  }

  async getEmployersByIds(ids: readonly string[]): Promise<Employer[]> {
    return decodeEmployers((await this.http.getList('/v1/aziende', 'id', ids, CO_ID_CAP)).body);
  }

  /** GET /v1/aziende?cf= (at most CO_ID_CAP partite IVA). */
  async getEmployersByFiscalCodes(fiscalCodes: readonly string[]): Promise<Employer[]> {
    return decodeEmployers(
      (await this.http.getList('/v1/aziende', 'cf', fiscalCodes, CO_ID_CAP)).body,
    );
  }

  /** GET /v1/aziende/ricerca, ordered by id. */
  async searchEmployers(search: EmployerSearch): Promise<Page<Employer>> {
    checkCap('co /v1/aziende/ricerca dimensione', search.dimensione, CO_SEARCH_SIZE_CAP);
    const response = await this.http.get('/v1/aziende/ricerca', {
      ateco: search.ateco,
      comune: search.comune,
      pagina: search.pagina,
      dimensione: search.dimensione,
    });
    return decodeEmployerPage(response.body);
  }

  /** GET /v1/comunicazioni?id= (at most CO_ID_CAP ids). */
  async getCommunicationsByIds(ids: readonly string[]): Promise<Communication[]> {
    return decodeCommunications(
      (await this.http.getList('/v1/comunicazioni', 'id', ids, CO_ID_CAP)).body,
    );
  }

  /** GET /v1/comunicazioni?azienda=: one page of one employer's communications, by start date then id. */
  async getEmployerCommunications(query: EmployerCommunicationsQuery): Promise<CommunicationPage> {
    checkCap('co /v1/comunicazioni limite', query.limit, CO_PAGE_LIMIT_CAP);
    const response = await this.http.get('/v1/comunicazioni', {
      azienda: query.employerId,
      dal: query.from,
      al: query.to,
      tipo: query.type,
      cursore: query.cursor,
      limite: query.limit,
    });
    return decodeCommunicationPage(response.body);
  }

  /**
   * GET /v1/comunicazioni?lavoratoreCf= (at most CO_ID_CAP fiscal codes): every
   * communication of those workers. The codes travel in the query string because that is
   * co's only form; the shared client never logs URLs.
   */
  async getCommunicationsByWorkerFiscalCodes(
    fiscalCodes: readonly string[],
  ): Promise<Communication[]> {
    return decodeCommunications(
      (await this.http.getList('/v1/comunicazioni', 'lavoratoreCf', fiscalCodes, CO_ID_CAP)).body,
    );
  }

  /** GET /v1/offerte?id= (at most CO_ID_CAP ids). */
  async getVacanciesByIds(ids: readonly string[]): Promise<Vacancy[]> {
    return decodeVacancies((await this.http.getList('/v1/offerte', 'id', ids, CO_ID_CAP)).body);
  }

  /** GET /v1/offerte?azienda=: one employer's vacancies (co takes one employer per request). */
  async getEmployerVacancies(employerId: string): Promise<Vacancy[]> {
    return decodeVacancies((await this.http.get('/v1/offerte', { azienda: employerId })).body);
  }

  /** GET /v1/offerte/ricerca, ordered by id. */
  async searchVacancies(search: VacancySearch): Promise<Page<Vacancy>> {
    checkCap('co /v1/offerte/ricerca dimensione', search.dimensione, CO_SEARCH_SIZE_CAP);
    const response = await this.http.get('/v1/offerte/ricerca', {
      stato: search.status,
      comune: search.comune,
      qualifica: search.occupation,
      pagina: search.pagina,
      dimensione: search.dimensione,
    });
    return decodeVacancyPage(response.body);
  }

  /** GET /v1/statistiche/flussi: communications starting in [from, to], grouped. */
  async getFlows(query: FlowsQuery): Promise<FlowRow[]> {
    const response = await this.http.get('/v1/statistiche/flussi', {
      dal: query.from,
      al: query.to,
      raggruppa: query.groupBy.length > 0 ? query.groupBy : undefined,
    });
    return decodeFlows(response.body);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
