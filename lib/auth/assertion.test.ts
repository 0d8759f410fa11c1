import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AssertionError, signAssertion, verifyAssertion, type SignedFacts } from './assertion.js';

const assertion: SignedFacts = {
  principal: {
    role: 'operator',
    subject: 'op-1',
    scopes: ['worker:identity'],
    desk: 'PO-NORD',
    organization: null,
    fiscalCode: null,
  },
  purpose: 'GUIDANCE',
  operationName: 'Profile',
  operationHash: 'abc',
};

describe('gateway assertion', () => {
  it('round-trips what the gateway asserted', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const { expiresAtMs, ...facts } = await verifyAssertion(
      publicKey,
      await signAssertion(privateKey, assertion),
    );
    expect(facts).toEqual(assertion);
    expect(expiresAtMs - Date.now()).toBeGreaterThan(50_000);
    expect(expiresAtMs - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('refuses one signed by another key', async () => {
    const gateway = await generateKeyPair('EdDSA');
    const forger = await generateKeyPair('EdDSA');
    const forged = await signAssertion(forger.privateKey, assertion);
    await expect(verifyAssertion(gateway.publicKey, forged)).rejects.toBeInstanceOf(AssertionError);
  });

  it('refuses an expired one and one for another audience', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const base = () =>
      new SignJWT({ role: 'operator', scp: [], rid: 'r' })
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuer('prato-graph-gateway')
        .setSubject('x');
    const expired = await base()
      .setAudience('prato-graph-subgraphs')
      .setIssuedAt(1_000)
      .setExpirationTime(1_060)
      .sign(privateKey);
    const elsewhere = await base()
      .setAudience('someone-else')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
    await expect(verifyAssertion(publicKey, expired)).rejects.toBeInstanceOf(AssertionError);
    await expect(verifyAssertion(publicKey, elsewhere)).rejects.toBeInstanceOf(AssertionError);
  });
});
