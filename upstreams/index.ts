/**
 * upstreams/: the four simulated regional systems (registry, idol, co, trio) and
 * the deterministic dataset they serve. Other code reaches them only over HTTP;
 * this surface exists to start them (scripts, tests) and to build the dataset.
 */
export {
  SYSTEMS,
  DEFAULT_PORTS,
  type SystemName,
  type UpstreamOptions,
  type RunningUpstream,
  type DatasetOptions,
  type DatasetManifest,
} from './types.js';
export { createUpstream } from './server.js';
export { ensureDataset, GENERATOR_VERSION } from './dataset/index.js';
export {
  readUpstreamsConfig,
  loadUpstreamsConfig,
  ConfigError,
  type UpstreamsConfig,
} from './config.js';
