// The scopes named in the subgraph SDL (`@requiresScopes`). Which role holds which scope
// is decided in one place, gateway/roles.ts.
export const SCOPES = {
  /** Direct identifiers and personal data of people: fiscal code, names, birth, residence, IDOL id. */
  workerIdentity: 'worker:identity',
  /** Non-identifying attributes and records of people, and their pseudonym. */
  workerProfile: 'worker:profile',
  /** Listing and searching people (job-seeker lists, income support by employer). */
  workersSearch: 'workers:search',
  /** Compulsory communications. */
  communicationsRead: 'communications:read',
  /** Job seekers matched to vacancies. */
  candidatesRead: 'candidates:read',
  /** Registering job seekers and recording guidance sessions (at the operator's own desk). */
  jobSeekersWrite: 'jobseekers:write',
  /** Filing compulsory communications (operators at their desk, partners for delegating employers). */
  communicationsWrite: 'communications:write',
  /** Publishing vacancies (operators, partners for delegating employers). */
  vacanciesWrite: 'vacancies:write',
  /** Enrolling in TRIO courses (citizens for themselves, operators at their desk). */
  trainingEnrol: 'training:enrol',
  /** Booking public workstations (citizens for themselves, operators at their desk). */
  workstationsBook: 'workstations:book',
} as const;

/** The scope that marks personal data: reading a field that needs it needs a declared purpose. */
export const PERSONAL_DATA_SCOPE = SCOPES.workerIdentity;
