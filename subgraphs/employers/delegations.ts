// Object-level rule for partners (SECURITY.md): an employer association or union reads the
// compulsory communications of the employers that delegated it, and no others. Checked here,
// in the subgraph that owns communications, on every path that reaches one, so that it holds
// whichever engine serves the supergraph and whatever entry point the planner picks.
import type { Assertion } from '../../lib/auth/assertion.js';
import { forbidden } from '../shared/trust.js';
import type { Employer } from './model.js';

export const NOT_DELEGATED_MESSAGE =
  'a partner may read only the communications of employers that delegated it';

/** Whether the caller may read this employer's communications (always, for other roles). */
export function mayReadCommunicationsOf(caller: Assertion, employer: Employer): boolean {
  const { principal } = caller;
  if (principal.role !== 'partner') return true;
  // A partner token always names its organisation (gateway/auth.ts); fail closed all the same.
  return principal.organization !== null && employer.delegations.includes(principal.organization);
}

/**
 * Throws FORBIDDEN unless the caller may read this employer's communications. The message is
 * the same for every employer, so a refusal says nothing about whom the employer delegated.
 */
export function assertMayReadCommunicationsOf(caller: Assertion, employer: Employer): void {
  if (!mayReadCommunicationsOf(caller, employer)) throw forbidden(NOT_DELEGATED_MESSAGE);
}

/**
 * A worker's employment history spans employers: no partner is delegated by all of them.
 * Partners hold no worker scope either, so the SDL policy refuses them first; this keeps the
 * rule here if that mapping ever changes.
 */
export function assertMayReadEmploymentHistory(caller: Assertion): void {
  if (caller.principal.role === 'partner') throw forbidden(NOT_DELEGATED_MESSAGE);
}
