// Reading configuration from the environment: every problem names the variable and the
// bad value. Only the config.ts files of each process call these.
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(variable: string, value: string, expected: string) {
    super(`${variable}=${JSON.stringify(value)} is not valid: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

export function envString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

type Range = { min?: number; max?: number };

/** A number from the environment, checked by `accept` and against the range. */
function envNumeric(
  env: Env,
  name: string,
  fallback: number,
  range: Range,
  kind: { accept: (n: number) => boolean; what: string; max: number },
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  const min = range.min ?? 0;
  const max = range.max ?? kind.max;
  if (!kind.accept(value) || value < min || value > max) {
    throw new ConfigError(name, raw, `${kind.what} from ${min} to ${max}`);
  }
  return value;
}

export function envInt(env: Env, name: string, fallback: number, range: Range = {}): number {
  return envNumeric(env, name, fallback, range, {
    accept: Number.isInteger,
    what: 'an integer',
    max: Number.MAX_SAFE_INTEGER,
  });
}

export function envNumber(env: Env, name: string, fallback: number, range: Range = {}): number {
  return envNumeric(env, name, fallback, range, {
    accept: Number.isFinite,
    what: 'a number',
    max: Number.MAX_VALUE,
  });
}

/** An http(s) URL without a trailing slash. */
export function envUrl(env: Env, name: string, fallback: string): string {
  const raw = envString(env, name, fallback);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, raw, 'an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(name, raw, 'an http(s) URL');
  return raw.replace(/\/+$/, '');
}

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`), any case. */
export function envBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(name, raw, 'true or false');
}
