// The registry (Province desk registry): one method per endpoint, decoded models out.
import { RevalidatingDocument } from '../shared/revalidating-document.js';
import { createUpstreamClient, type UpstreamHttpClient } from '../shared/upstream-client.js';
import type { UpstreamConfig } from '../shared/config.js';
import {
  decodeActivity,
  decodeComuni,
  decodeRegistry,
  type Comune,
  type DeskActivity,
  type Registry,
} from './model.js';

export interface RegistryClientOptions extends UpstreamConfig {
  /** How long the registry and comuni documents are used before revalidating. */
  documentMaxAgeMs: number;
}

/** Largest `sportelli` list the registry accepts on /v1/attivita. */
export const ACTIVITY_DESK_CAP = 50;

export class RegistryClient {
  private readonly http: UpstreamHttpClient;
  private readonly registry: RevalidatingDocument<Registry>;
  private readonly comuni: RevalidatingDocument<Comune[]>;

  constructor(options: RegistryClientOptions) {
    this.http = createUpstreamClient('registry', options, 'x-api-key');
    const conditional = (path: string) => (etag: string | undefined) =>
      this.http.get(path, undefined, {
        headers: etag ? { 'if-none-match': etag } : {},
        accept: [304],
      });
    this.registry = new RevalidatingDocument({
      fetch: conditional('/v1/sportelli'),
      decode: decodeRegistry,
      maxAgeMs: options.documentMaxAgeMs,
    });
    this.comuni = new RevalidatingDocument({
      fetch: conditional('/v1/comuni'),
      decode: decodeComuni,
      maxAgeMs: options.documentMaxAgeMs,
    });
  }

  /** GET /v1/sportelli, served from the revalidating copy. */
  getRegistry(): Promise<Registry> {
    return this.registry.get();
  }

  /** GET /v1/comuni, served from the revalidating copy. */
  getComuni(): Promise<Comune[]> {
    return this.comuni.get();
  }

  /** GET /v1/attivita for up to ACTIVITY_DESK_CAP desks (all desks when `deskIds` is undefined). */
  async getActivity(params: {
    deskIds?: readonly string[];
    from: string;
    to: string;
  }): Promise<DeskActivity[]> {
    const response = await this.http.get('/v1/attivita', {
      sportelli: params.deskIds,
      dal: params.from,
      al: params.to,
    });
    return decodeActivity(response.body);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
