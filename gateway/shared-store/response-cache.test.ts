// Which answers the response cache may keep, and under which rights: never a citizen's, never
// one with a cost report or selecting what the public role may not read, and never under who
// the caller is. End to end, with two replicas on Redis: test/replicas.test.ts.
import { describe, expect, it } from 'vitest';
import { PUBLIC_PRINCIPAL, type Principal } from '../../lib/auth/principal.js';
import type { GatewayContext } from '../context.js';
import { ROLE_SCOPES } from '../roles.js';
import { mayCache, rightsOf } from './response-cache.js';

const signedIn = (role: Exclude<Principal['role'], 'public'>, subject: string, more = {}) => ({
  ...PUBLIC_PRINCIPAL,
  role,
  subject,
  scopes: ROLE_SCOPES[role],
  ...more,
});

const context = (principal: Principal, more: Partial<GatewayContext> = {}): GatewayContext => ({
  principal,
  requestId: 'r',
  purpose: null,
  operation: { name: null, hash: null },
  publicData: true,
  ...more,
});

describe('mayCache', () => {
  it('keeps answers that only public data makes up, for anonymous and signed-in callers alike', () => {
    expect(mayCache(context(PUBLIC_PRINCIPAL))).toBe(true);
    expect(mayCache(context(signedIn('analyst', 'a-1')))).toBe(true);
    expect(mayCache(context(signedIn('operator', 'o-1', { desk: 'PO-NORD' })))).toBe(true);
    expect(mayCache(context(signedIn('partner', 'p-1', { organization: 'CNA' })))).toBe(true);
  });

  it('keeps nothing else', () => {
    expect(mayCache(context(signedIn('analyst', 'a-1'), { publicData: false }))).toBe(false);
    // Not yet resolved, or refused.
    expect(mayCache(context(PUBLIC_PRINCIPAL, { publicData: undefined }))).toBe(false);
    expect(
      mayCache(context(PUBLIC_PRINCIPAL, { costReport: {} as GatewayContext['costReport'] })),
    ).toBe(false);
    // A citizen's rights are their own record: their answers are never kept.
    expect(mayCache(context(signedIn('citizen', 'L0000001')))).toBe(false);
  });
});

describe('rightsOf', () => {
  it('is the same for two callers with the same rights, and never names them', () => {
    const one = rightsOf(signedIn('analyst', 'analyst-subject-one'));
    expect(one).toBe(rightsOf(signedIn('analyst', 'analyst-subject-two')));
    expect(one).not.toContain('analyst-subject-one');
  });

  it('differs whenever the rights do: role, scopes, desk, organisation', () => {
    const rights = [
      rightsOf(signedIn('analyst', 'x')),
      rightsOf(signedIn('operator', 'x', { desk: 'PO-NORD' })),
      rightsOf(signedIn('operator', 'x', { desk: 'PO-SUD' })),
      rightsOf(signedIn('operator', 'x', { desk: 'PO-NORD', scopes: ['worker:profile'] })),
      rightsOf(signedIn('partner', 'x', { organization: 'CNA' })),
      rightsOf(signedIn('partner', 'x', { organization: 'CONFART' })),
    ];
    expect(new Set(rights).size).toBe(rights.length);
    // Anonymous callers share entries without a session.
    expect(rightsOf(PUBLIC_PRINCIPAL)).toBeNull();
  });
});
