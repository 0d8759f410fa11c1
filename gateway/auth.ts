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

export interface AuthOptions {
  /** Where the identity provider publishes its keys (production). */
  jwksUrl?: string | null;
  /** A local JWK set file (the embedded default's development keys). */
  jwksFile?: string | null;
  issuer: string;
  audience: string;
}

export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

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

export function createAuthenticator(options: AuthOptions): Authenticator {
  const keys = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : options.jwksFile
      ? createLocalJWKSet(loadPublicJwks(options.jwksFile))
      : undefined;
  if (!keys) throw new Error('authentication needs a JWKS URL or a JWKS file');
  return async (authorization) => {
    if (authorization === undefined || authorization === '') return PUBLIC_PRINCIPAL;
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization);
    if (!match) throw unauthenticated('Malformed Authorization header: expected "Bearer <JWT>"');
    try {
      const { payload } = await jwtVerify(match[1] as string, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['EdDSA', 'ES256', 'RS256'],
        requiredClaims: ['exp', 'sub'],
      });
      return principalFromClaims(payload);
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
}
