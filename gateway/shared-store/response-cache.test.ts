// Which answers the response cache may keep, and under which rights: never a citizen's, never
// one with a cost report or selecting what the public role may not read, and never under who
// the caller is. End to end, with two replicas on Redis: test/replicas.test.ts.
import { describe, expect, it } from 'vitest';
import { PUBLIC_PRINCIPAL, type Principal } from '../../lib/auth/principal.js';
import type { GatewayContext } from '../context.js';
import { ROLE_SCOPES } from '../roles.js';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { entryKey, mayCache, rightsOf, skippingNeverKept } from './response-cache.js';

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
  callerKey: 'test-caller',
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

describe('entry keys', () => {
  const analyst = context(signedIn('analyst', 'a-1'));
  const data = { source: '{ desks { id } }', operationName: null, variables: {}, extra: null };

  it("hash what the plugin keys on, the caller's rights included", () => {
    const anonymous = entryKey(context(PUBLIC_PRINCIPAL), { ...data, sessionMode: 0 });
    const own = entryKey(analyst, {
      ...data,
      sessionId: rightsOf(analyst.principal),
      sessionMode: 1,
    });
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);
    expect(own).toMatch(/^[0-9a-f]{64}$/);
    expect(own).not.toBe(anonymous);
    const operator = context(signedIn('operator', 'o-1', { desk: 'PO-NORD' }));
    expect(
      entryKey(operator, { ...data, sessionId: rightsOf(operator.principal), sessionMode: 1 }),
    ).not.toBe(own);
  });

  it('never ask the store for an entry no signed-in answer is kept under', async () => {
    const store = new InMemoryLRUCache<string>();
    const asked: string[] = [];
    const counting = {
      get: (key: string) => {
        asked.push(key);
        return store.get(key);
      },
      set: (key: string, value: string) => store.set(key, value),
      delete: (key: string) => store.delete(key),
    };
    const cache = skippingNeverKept(counting);
    // The plugin's second lookup for a signed-in caller, under its prefix.
    const unused = `fqc:${entryKey(analyst, { ...data, sessionMode: 2 })}`;
    await cache.set(unused, 'x');
    expect(await cache.get(unused)).toBeUndefined();
    expect(asked).toEqual([]);
    expect(await store.get(unused)).toBeUndefined();
    // Every other key goes through.
    const kept = `fqc:${entryKey(context(PUBLIC_PRINCIPAL), { ...data, sessionMode: 0 })}`;
    await cache.set(kept, 'y');
    expect(await cache.get(kept)).toBe('y');
    expect(asked).toEqual([kept]);
  });

  it('keep citizens apart by their own record, though nothing of theirs is kept', () => {
    expect(rightsOf(signedIn('citizen', 'L0000001'))).not.toBe(
      rightsOf(signedIn('citizen', 'L0000002')),
    );
  });
});
