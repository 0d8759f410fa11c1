// Roles -> scopes: the one place where what each role may read is decided (SECURITY.md).
// The SDL says which scope each field needs; this says who holds which scope. Object-level
// rules (a citizen's own record, a partner's delegating employers) live in the subgraphs.
import type { Purpose, Role } from '../lib/auth/principal.js';
import { SCOPES } from '../lib/auth/scopes.js';

export { PERSONAL_DATA_SCOPE } from '../lib/auth/scopes.js';

export const ROLE_SCOPES: Readonly<Record<Role, readonly string[]>> = Object.freeze({
  public: [],
  // Their own record only: enforced by the subgraphs on every path.
  citizen: [
    SCOPES.workerIdentity,
    SCOPES.workerProfile,
    SCOPES.trainingEnrol,
    SCOPES.workstationsBook,
  ],
  operator: [
    SCOPES.workerIdentity,
    SCOPES.workerProfile,
    SCOPES.workersSearch,
    SCOPES.communicationsRead,
    SCOPES.candidatesRead,
    // Writes only for their own desk: enforced by the subgraphs.
    SCOPES.jobSeekersWrite,
    SCOPES.communicationsWrite,
    SCOPES.vacanciesWrite,
    SCOPES.trainingEnrol,
    SCOPES.workstationsBook,
  ],
  // People only through pseudonyms and non-identifying attributes: no worker:identity.
  analyst: [SCOPES.workerProfile, SCOPES.workersSearch, SCOPES.communicationsRead],
  // Vacancies, the catalogue and aggregates are public. Communications only of the employers
  // that delegated the partner's organisation: the employers subgraph checks which, on every
  // path. No worker scope: a communication's worker is refused to partners field by field.
  // What a partner may ask at all is narrower still: its registered operations
  // (gateway/trusted-documents.ts).
  // Files communications and publishes vacancies only for delegating employers (checked by the
  // employers subgraph).
  partner: [SCOPES.communicationsRead, SCOPES.communicationsWrite, SCOPES.vacanciesWrite],
});

/** The purposes each role may declare for reading personal data (header `x-purpose`). */
export const ROLE_PURPOSES: Readonly<Record<Role, readonly Purpose[]>> = Object.freeze({
  public: [],
  citizen: ['SELF_ACCESS'],
  operator: ['REGISTRATION', 'GUIDANCE', 'MATCHING', 'COMMUNICATIONS', 'INCOME_SUPPORT'],
  analyst: [],
  partner: [],
});
