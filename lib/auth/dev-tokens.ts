// Development tokens for the embedded default, signed with the local token-signing key:
// what an identity provider would issue in production. Never accepted unless the gateway
// is configured with the matching local key set.
import { SignJWT, type CryptoKey, type KeyObject } from 'jose';
import type { Role } from './principal.js';

export interface DevTokenClaims {
  role: Exclude<Role, 'public'>;
  subject: string;
  desk?: string;
  organization?: string;
  fiscalCode?: string;
  /** Lifetime, e.g. `8h`, `30s`; or an absolute expiry in seconds since the epoch. */
  expiresIn?: string | number;
}

export async function mintDevToken(
  key: { key: CryptoKey | KeyObject | Uint8Array; kid: string | undefined },
  claims: DevTokenClaims,
  audience: { issuer: string; audience: string },
): Promise<string> {
  return new SignJWT({
    role: claims.role,
    ...(claims.desk ? { desk: claims.desk } : {}),
    ...(claims.organization ? { org: claims.organization } : {}),
    ...(claims.fiscalCode ? { fiscal_code: claims.fiscalCode } : {}),
  })
    .setProtectedHeader({ alg: 'EdDSA', ...(key.kid ? { kid: key.kid } : {}) })
    .setIssuer(audience.issuer)
    .setAudience(audience.audience)
    .setSubject(claims.subject)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '8h')
    .sign(key.key);
}
