// IDOL (the Region's job-seeker system): one method per endpoint, decoded models out.
import type { Page } from '../shared/decode.js';
import type { UpstreamConfig } from '../shared/config.js';
import {
  checkCap,
  createUpstreamClient,
  type UpstreamHttpClient,
} from '../shared/upstream-client.js';
import {
  decodeCandidacies,
  decodeGuidanceSessions,
  decodeIncomeSupportEpisodes,
  decodeProfiles,
  decodeRecordedGuidanceSession,
  decodeRegistration,
  decodeRegistrationStats,
  decodeWorkerPage,
  decodeWorkers,
  type Candidacy,
  type GuidanceSession,
  type IncomeSupportEpisode,
  type JobSeekerProfile,
  type RegistrationCell,
  type Worker,
} from './model.js';
import type { GuidanceBody, IdolWriteApi, RegistrationBody } from './writes.js';

/** Largest id or fiscal-code list IDOL accepts on lavoratori, schede and colloqui. */
export const PERSON_CAP = 100;
/** Largest `offerte` list on /v1/candidature. */
export const VACANCY_CAP = 50;
/** Largest `aziende` list on /v1/ammortizzatori. */
export const EMPLOYER_CAP = 50;
/** Largest `dimensione` of /v1/lavoratori/ricerca. */
export const SEARCH_PAGE_CAP = 200;

export interface JobSeekerSearch {
  /** sap_stato_occupazionale code (`02`). */
  stato?: string;
  /** ISTAT code of the comune of residence. */
  comune?: string;
  /** Registry code of the desk of registration. */
  sportello?: string;
  /** sap_liste_speciali code (`3`). */
  lista?: string;
  pagina: number;
  dimensione: number;
}

/** The IDOL endpoints the workers subgraph reads. */
export interface IdolApi {
  workersByIds(ids: readonly string[]): Promise<Worker[]>;
  workersByFiscalCodes(fiscalCodes: readonly string[]): Promise<Worker[]>;
  searchJobSeekers(search: JobSeekerSearch): Promise<Page<Worker>>;
  profilesByWorkerIds(workerIds: readonly string[]): Promise<JobSeekerProfile[]>;
  guidanceSessionsByWorkerIds(workerIds: readonly string[]): Promise<GuidanceSession[]>;
  candidaciesByVacancyIds(vacancyIds: readonly string[]): Promise<Candidacy[]>;
  incomeSupportByEmployerIds(employerIds: readonly string[]): Promise<IncomeSupportEpisode[]>;
  registrationStats(params: {
    from: string;
    to: string;
    groupBy: readonly string[];
  }): Promise<RegistrationCell[]>;
}

export class IdolClient implements IdolApi, IdolWriteApi {
  private readonly http: UpstreamHttpClient;

  constructor(options: UpstreamConfig) {
    this.http = createUpstreamClient('idol', options, 'x-api-key');
  }

  /** GET /v1/lavoratori?id= (up to PERSON_CAP ids); unknown ids are absent. */
  async workersByIds(ids: readonly string[]): Promise<Worker[]> {
    return decodeWorkers((await this.http.getList('/v1/lavoratori', 'id', ids, PERSON_CAP)).body);
  }

  /** GET /v1/lavoratori?cf= (up to PERSON_CAP fiscal codes); unknown codes are absent. */
  async workersByFiscalCodes(fiscalCodes: readonly string[]): Promise<Worker[]> {
    return decodeWorkers(
      (await this.http.getList('/v1/lavoratori', 'cf', fiscalCodes, PERSON_CAP)).body,
    );
  }

  /** GET /v1/lavoratori/ricerca: one page of job seekers, ordered by id. */
  async searchJobSeekers(search: JobSeekerSearch): Promise<Page<Worker>> {
    checkCap('idol /v1/lavoratori/ricerca dimensione', search.dimensione, SEARCH_PAGE_CAP);
    const response = await this.http.get('/v1/lavoratori/ricerca', {
      stato: search.stato,
      comune: search.comune,
      sportello: search.sportello,
      lista: search.lista,
      pagina: search.pagina,
      dimensione: search.dimensione,
    });
    return decodeWorkerPage(response.body);
  }

  /** GET /v1/schede?lavoratori= (up to PERSON_CAP); people without a scheda are absent. */
  async profilesByWorkerIds(workerIds: readonly string[]): Promise<JobSeekerProfile[]> {
    return decodeProfiles(
      (await this.http.getList('/v1/schede', 'lavoratori', workerIds, PERSON_CAP)).body,
    );
  }

  /** GET /v1/colloqui?lavoratori= (up to PERSON_CAP). */
  async guidanceSessionsByWorkerIds(workerIds: readonly string[]): Promise<GuidanceSession[]> {
    return decodeGuidanceSessions(
      (await this.http.getList('/v1/colloqui', 'lavoratori', workerIds, PERSON_CAP)).body,
    );
  }

  /** GET /v1/candidature?offerte= (up to VACANCY_CAP). */
  async candidaciesByVacancyIds(vacancyIds: readonly string[]): Promise<Candidacy[]> {
    return decodeCandidacies(
      (await this.http.getList('/v1/candidature', 'offerte', vacancyIds, VACANCY_CAP)).body,
    );
  }

  /** GET /v1/ammortizzatori?aziende= (up to EMPLOYER_CAP). */
  async incomeSupportByEmployerIds(
    employerIds: readonly string[],
  ): Promise<IncomeSupportEpisode[]> {
    return decodeIncomeSupportEpisodes(
      (await this.http.getList('/v1/ammortizzatori', 'aziende', employerIds, EMPLOYER_CAP)).body,
    );
  }

  /** GET /v1/statistiche/iscrizioni; `groupBy` holds the upstream's dimension names. */
  async registrationStats(params: {
    from: string;
    to: string;
    groupBy: readonly string[];
  }): Promise<RegistrationCell[]> {
    const response = await this.http.get('/v1/statistiche/iscrizioni', {
      dal: params.from,
      al: params.to,
      raggruppa: params.groupBy.length > 0 ? params.groupBy : undefined,
    });
    return decodeRegistrationStats(response.body);
  }

  /** POST /v1/lavoratori: registration with DID; retried only under its idempotency key. */
  async registerJobSeeker(body: RegistrationBody, idempotencyKey: string) {
    const response = await this.http.post('/v1/lavoratori', body, { idempotencyKey });
    return { ...decodeRegistration(response.body), replayed: response.replayed };
  }

  /** POST /v1/colloqui. */
  async recordGuidanceSession(body: GuidanceBody, idempotencyKey: string) {
    const response = await this.http.post('/v1/colloqui', body, { idempotencyKey });
    return { session: decodeRecordedGuidanceSession(response.body), replayed: response.replayed };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
