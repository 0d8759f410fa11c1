// One signature per caller, purpose and operation for a while, never shared between callers.
import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { ASSERTION_REUSE_SECONDS, signAssertion, verifyAssertion } from '../lib/auth/assertion.js';
import { PUBLIC_PRINCIPAL, type Principal } from '../lib/auth/principal.js';
import { assertionSigner } from './assertion-signer.js';
import type { GatewayContext } from './context.js';

const operator: Principal = Object.freeze({
  role: 'operator',
  subject: 'op-1',
  scopes: ['worker:identity'],
  desk: 'PO-NORD',
  organization: null,
  fiscalCode: null,
});

function request(
  principal: Principal,
  operation: GatewayContext['operation'] = { name: 'Page', hash: 'h1' },
  purpose: GatewayContext['purpose'] = null,
): GatewayContext {
  return {
    principal,
    callerKey: 'test-caller',
    requestId: crypto.randomUUID(),
    purpose,
    operation,
  };
}

describe('assertionSigner', () => {
  it('reuses a caller’s assertion for the same operation and purpose, within the reuse window', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    let now = 1_000_000;
    let signatures = 0;
    const sign = assertionSigner(privateKey, {
      now: () => now,
      sign: (...args) => {
        signatures += 1;
        return signAssertion(...args);
      },
    });
    const first = await sign(request(operator));
    now += ASSERTION_REUSE_SECONDS * 1000 - 1;
    expect(await sign(request(operator))).toBe(first);
    expect(signatures).toBe(1);
    now += 1;
    const renewed = await sign(request(operator));
    expect(signatures).toBe(2);
    expect((await verifyAssertion(publicKey, renewed)).principal).toEqual(operator);
  });

  it('signs anew for another caller, purpose or operation, each asserting its own facts', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const sign = assertionSigner(privateKey);
    const base = await sign(request(operator));
    const other = { ...operator, subject: 'op-2' };
    const tokens = [
      base,
      await sign(request(other)),
      await sign(request(PUBLIC_PRINCIPAL)),
      await sign(request(operator, { name: 'Page', hash: 'h2' })),
      await sign(request(operator, { name: 'Other', hash: 'h1' })),
      await sign(request(operator, { name: 'Page', hash: 'h1' }, 'GUIDANCE')),
    ];
    expect(new Set(tokens).size).toBe(tokens.length);
    const facts = await verifyAssertion(publicKey, tokens[5]!);
    expect(facts).toMatchObject({
      principal: operator,
      purpose: 'GUIDANCE',
      operationName: 'Page',
      operationHash: 'h1',
    });
    expect((await verifyAssertion(publicKey, tokens[1]!)).principal.subject).toBe('op-2');
  });

  it('gives every fetch of one request the same assertion', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    let now = 0;
    const sign = assertionSigner(privateKey, { now: () => now });
    const context = request(operator);
    const first = await sign(context);
    now += ASSERTION_REUSE_SECONDS * 1000 * 2;
    expect(await sign(context)).toBe(first);
  });

  it('reuses an assertion only while it outlives a request starting now, less the clock skew', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const count = (maxRequestMs: number) => {
      let now = 0;
      let signatures = 0;
      const sign = assertionSigner(privateKey, {
        now: () => now,
        maxRequestMs,
        sign: (...args) => {
          signatures += 1;
          return signAssertion(...args);
        },
      });
      return async (atMs: number) => {
        now = atMs;
        await sign(request(operator));
        return signatures;
      };
    };
    // A 40 s budget leaves 60 - 40 - 5 = 15 s of reuse.
    const long = count(40_000);
    expect(await long(0)).toBe(1);
    expect(await long(14_999)).toBe(1);
    expect(await long(15_000)).toBe(2);
    // A budget as long as the assertion's life: a new one for every request.
    const longest = count(55_000);
    expect(await longest(0)).toBe(1);
    expect(await longest(0)).toBe(2);
  });
});
