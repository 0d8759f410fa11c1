// A whole-document cache for upstreams that publish reference data as one document with
// an ETag: fresh for `maxAgeMs`, then revalidated with If-None-Match (a 304 keeps the
// decoded copy). Concurrent callers share one in-flight request.
import type { UpstreamResponse } from './upstream-client.js';

export interface RevalidatingDocumentOptions<T> {
  /** Fetches the document; must pass `etag` as If-None-Match and accept 304. */
  fetch: (etag: string | undefined) => Promise<UpstreamResponse>;
  decode: (body: unknown) => T;
  /** How long a copy is used without asking the upstream. 0 revalidates every time. */
  maxAgeMs: number;
  now?: () => number;
}

export class RevalidatingDocument<T> {
  private value: T | undefined;
  private etag: string | undefined;
  private fetchedAt = 0;
  private inFlight: Promise<T> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: RevalidatingDocumentOptions<T>) {
    this.now = options.now ?? Date.now;
  }

  get(): Promise<T> {
    if (this.value !== undefined && this.now() - this.fetchedAt < this.options.maxAgeMs) {
      return Promise.resolve(this.value);
    }
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refresh(): Promise<T> {
    const cached = this.value;
    const response = await this.options.fetch(cached === undefined ? undefined : this.etag);
    this.fetchedAt = this.now();
    if (response.status === 304 && cached !== undefined) return cached;
    const value = this.options.decode(response.body);
    this.value = value;
    this.etag = response.etag;
    return value;
  }
}
