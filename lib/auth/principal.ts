// Who is calling: the roles of SECURITY.md and what the gateway knows of the caller.
// Shared by the gateway (which authenticates) and the subgraphs (which receive it in the
// gateway's signed assertion and check object-level rules).

export const ROLES = ['public', 'citizen', 'operator', 'analyst', 'partner'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface Principal {
  role: Role;
  /** Stable subject of the token (a user id; for citizens their IDOL worker id). Null for public. */
  subject: string | null;
  /** The scopes this principal holds (from the role mapping). */
  scopes: readonly string[];
  /** Operators: the registry code of their desk. */
  desk: string | null;
  /** Partners: the code of their organisation (for example `CNA`). */
  organization: string | null;
  /** Citizens: their own fiscal code, to recognise their records in co and trio. Never logged. */
  fiscalCode: string | null;
}

export const PUBLIC_PRINCIPAL: Principal = Object.freeze({
  role: 'public',
  subject: null,
  scopes: Object.freeze([]),
  desk: null,
  organization: null,
  fiscalCode: null,
});

/** What a caller declares they read personal data for (header `x-purpose`). */
export const PURPOSES = [
  'SELF_ACCESS',
  'REGISTRATION',
  'GUIDANCE',
  'MATCHING',
  'COMMUNICATIONS',
  'INCOME_SUPPORT',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && (PURPOSES as readonly string[]).includes(value);
}
