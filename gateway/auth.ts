// Authentication of client requests: a bearer JWT verified with jose against a JWKS (a URL
// in production, a local file for the embedded default). No token is the public role.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { GraphQLError } from 'graphql';
import { isRole, PUBLIC_PRINCIPAL, type Principal } from '../lib/auth/principal.js';
import { isValidFiscalCode } from '../lib/fiscal-code.js';
import { loadPublicJwks } from '../lib/auth/keys.js';
import { ROLE_SCOPES } from './roles.js';
import { BoundedCache, type BoundedCacheStats } from '../lib/bounded-cache.js';

/** Verified tokens kept (least recently used dropped). */
export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;
/** Estimated bytes the kept tokens and principals may take, tokens included. */
export const DEFAULT_TOKEN_CACHE_BYTES = 16 * 2 ** 20;
/** What a cached principal weighs besides its token (its strings are short claims). */
const PRINCIPAL_BYTES = 512;

export interface AuthOptions {
  /** Where the identity provider publishes its keys (production). */
  jwksUrl?: string | null;
  /** A local JWK set file (the embedded default's development keys). */
  jwksFile?: string | null;
  issuer: string;
  audience: string;
  /** Verified tokens kept until their `exp`. Default 10,000. */
  cacheEntries?: number;
  /** Estimated bytes the kept tokens may take. Default 16 MiB. */
  cacheBytes?: number;
  /** The clock, in ms since the epoch (tests). Default `Date.now`. */
  now?: () => number;
}

export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

export interface CachingAuthenticator extends Authenticator {
  /** The token cache's figures, and how many tokens had their signature verified. */
  stats(): BoundedCacheStats & { verifications: number };
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

const claim = (payload: JWTPayload, name: string): string | null => {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : null;
};

export function principalFromClaims(payload: JWTPayload): Principal {
  const role = payload.role;
  if (!isRole(role) || role === 'public') throw unauthenticated('The token names no known role');
  const principal: Principal = {
    role,
    subject: typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : null,
    scopes: ROLE_SCOPES[role],
    desk: claim(payload, 'desk'),
    organization: claim(payload, 'org'),
    fiscalCode: claim(payload, 'fiscal_code'),
  };
  if (!principal.subject) throw unauthenticated('The token has no subject');
  if (role === 'operator' && !principal.desk)
    throw unauthenticated('An operator token must name a desk');
  if (role === 'partner' && !principal.organization)
    throw unauthenticated('A partner token must name an organisation');
  if (role === 'citizen' && !(principal.fiscalCode && isValidFiscalCode(principal.fiscalCode))) {
    throw unauthenticated('A citizen token must carry a valid fiscal code');
  }
  return principal;
}

/**
 * Verifies bearer JWTs. A verified token's principal is kept, per exact token string, in an
 * LRU bounded by entries and bytes, until the token's `exp` and never beyond (the instant jose
 * itself would call it expired), so that a caller's next request skips the signature check.
 * Only verified tokens are kept; a refused one is verified again each time, and an expired one
 * is dropped and verified again, which refuses it as before (401 "The token has expired").
 * A token's verdict depends on the token alone (the keys, issuer and audience are fixed for
 * the authenticator), so no entry is ever shared by two different tokens.
 */
export function createAuthenticator(options: AuthOptions): CachingAuthenticator {
  const keys = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : options.jwksFile
      ? createLocalJWKSet(loadPublicJwks(options.jwksFile))
      : undefined;
  if (!keys) throw new Error('authentication needs a JWKS URL or a JWKS file');
  const now = options.now ?? Date.now;
  const cache = new BoundedCache<{ principal: Principal; expiresAtMs: number }>({
    maxEntries: options.cacheEntries ?? DEFAULT_TOKEN_CACHE_ENTRIES,
    maxBytes: options.cacheBytes ?? DEFAULT_TOKEN_CACHE_BYTES,
  });
  let verifications = 0;

  const authenticate = async (authorization: string | undefined): Promise<Principal> => {
    if (authorization === undefined || authorization === '') return PUBLIC_PRINCIPAL;
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization);
    if (!match) throw unauthenticated('Malformed Authorization header: expected "Bearer <JWT>"');
    const token = match[1] as string;
    const cached = cache.get(token);
    if (cached !== undefined) {
      if (now() < cached.expiresAtMs) return cached.principal;
      cache.delete(token);
    }
    try {
      verifications += 1;
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['EdDSA', 'ES256', 'RS256'],
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(now()),
      });
      const principal = principalFromClaims(payload);
      // jose refuses a token once floor(now / 1 s) >= exp: it is kept strictly before that.
      if (typeof payload.exp === 'number' && Number.isFinite(payload.exp)) {
        cache.set(token, { principal, expiresAtMs: payload.exp * 1000 }, PRINCIPAL_BYTES);
      }
      return principal;
    } catch (err) {
      if (err instanceof GraphQLError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired');
      if (
        err instanceof joseErrors.JWSSignatureVerificationFailed ||
        err instanceof joseErrors.JWKSNoMatchingKey
      ) {
        throw unauthenticated('The token is not signed by a trusted key');
      }
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        throw unauthenticated(`The token's ${err.claim} claim is not acceptable`);
      }
      throw unauthenticated('The token could not be verified');
    }
  };
  return Object.assign(authenticate, {
    stats: () => ({ ...cache.stats(), verifications }),
  });
}
