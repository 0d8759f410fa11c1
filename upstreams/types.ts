/** The public shapes of the simulated upstreams (re-exported by index.ts). */
import type { Logger } from '../lib/log.js';

export type SystemName = 'registry' | 'idol' | 'co' | 'trio';

export const SYSTEMS: readonly SystemName[] = Object.freeze(['registry', 'idol', 'co', 'trio']);

/** Default ports of `npm start` (DESIGN.md §4); tests use port 0. */
export const DEFAULT_PORTS: Readonly<Record<SystemName, number>> = Object.freeze({
  registry: 4101,
  idol: 4102,
  co: 4103,
  trio: 4104,
});

export interface UpstreamOptions {
  system: SystemName;
  /** Folder holding <system>.sqlite + manifest.json. */
  dataDir: string;
  /** Expected X-Api-Key (registry, idol, co) or bearer token (trio). */
  credential: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added to every /v1 request; default 0. */
  latencyMs?: number;
  /** co only: requests per second per key before 429; default 1000. */
  quotaPerSecond?: number;
  /**
   * The server's clock for the writes' date rules ("today" is its UTC date); default
   * the real clock. Tests freeze it so that they do not depend on the real date.
   */
  now?: () => Date;
  /**
   * Shorthand for `now`: the day (YYYY-MM-DD) the clock stands still at, at 00:00 UTC
   * (UPSTREAM_TODAY). Not both.
   */
  today?: () => string;
  /** Where it logs each request it serves (lib/log.ts); default nowhere. */
  logger?: Logger;
}

export interface RunningUpstream {
  system: SystemName;
  /** http://127.0.0.1:PORT, no trailing slash */
  url: string;
  stop(): Promise<void>;
}

export interface DatasetOptions {
  dir: string;
  /** Default 2010. */
  seed?: number;
  /** Default 1 (about 400,000 communications). */
  scale?: number;
}

export interface DatasetManifest {
  generatorVersion: number;
  seed: number;
  scale: number;
  createdAt: string;
  counts: Record<string, number>;
}
