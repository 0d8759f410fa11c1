// The one Redis connection a gateway keeps for what its replicas share (persisted queries,
// the response cache of public data, rate limits). Every use of it is optional: when Redis is
// slow or down, requests are answered without it (see index.ts for what each use does then),
// so the client is set up to fail fast rather than to wait.
import { Redis } from 'ioredis';
import { silentLogger } from '../../lib/log.js';

/**
 * What the shared store reports about Redis: state changes only, never keys or values (the
 * gateway's logger, or a test's; lib/log.ts silentLogger when none is given).
 */
export interface SharedStoreLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface RedisClientOptions {
  /** `redis://` or `rediss://` URL (REDIS_URL); may hold a password: never logged. */
  url: string;
  /** Prepended to every key (REDIS_KEY_PREFIX), so that deployments can share one Redis. */
  keyPrefix: string;
  /** How long one command may take before it counts as failed. Default 500 ms. */
  commandTimeoutMs?: number;
  /** How long a connection attempt may take. Default 2 s. */
  connectTimeoutMs?: number;
  /** Where changes of Redis's state are told; default nowhere. */
  logger?: SharedStoreLogger;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 500;
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
/** The longest wait between two reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

/** The delay before reconnection attempt `attempt` (1, 2, ...): 100 ms more each time, capped. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS);
}

/**
 * Connects (waiting at most the connect timeout) and returns the client whether or not Redis
 * answered: a gateway starts and serves without it, and the client keeps reconnecting.
 */
export async function connectRedis(options: RedisClientOptions): Promise<Redis> {
  const logger = options.logger ?? silentLogger;
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    // A command issued while Redis is unreachable fails at once instead of queueing until it
    // is back: the request that issued it is answered without Redis, not held.
    enableOfflineQueue: false,
    // Commands in flight when the connection drops fail too; none is sent twice (a rate-limit
    // take sent again would count one request twice).
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Reconnect forever, backing off to MAX_RECONNECT_DELAY_MS: when Redis comes back, the
    // replicas share again without a restart.
    retryStrategy: reconnectDelay,
    // Only a gateway stopping ends the connection (close()), not a failed command.
    reconnectOnError: () => false,
  });
  // One line per change of state, not one per failed attempt. A connection that closes (Redis
  // stopped, the network gone, or an attempt refused) is a change once; the cause, when an
  // error gave one, is its code (ECONNREFUSED, ETIMEDOUT...), which holds no key, value or
  // password.
  let reachable: boolean | null = null;
  let cause: string | null = null;
  client.on('ready', () => {
    if (reachable === false) logger.info('shared store: Redis is reachable again');
    reachable = true;
    cause = null;
  });
  client.on('error', (error: NodeJS.ErrnoException) => {
    cause = error.code ?? error.name;
  });
  client.on('close', () => {
    if (reachable === false) return;
    reachable = false;
    logger.warn(
      `shared store: no connection to Redis${cause ? ` (${cause})` : ''}: persisted queries ` +
        'and the response cache do without it, rate limits count per replica until it is back',
    );
  });
  try {
    await client.connect();
  } catch {
    // Logged by the error listener; the client goes on reconnecting.
  }
  return client;
}

/** Closes the connection for good (QUIT when connected, else at once). */
export async function closeRedis(client: Redis): Promise<void> {
  client.removeAllListeners('ready');
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}
