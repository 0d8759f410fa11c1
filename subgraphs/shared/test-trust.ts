// For tests that call a subgraph directly: a gateway key pair of their own, and the
// assertion header the gateway would send for a given caller.
import { generateKeyPair } from 'jose';
import { ASSERTION_HEADER, signAssertion, type Assertion } from '../../lib/auth/assertion.js';
import type { Principal } from '../../lib/auth/principal.js';
import { SCOPES } from '../../lib/auth/scopes.js';
import type { SubgraphTrust } from './server.js';

/** A desk operator holding every read scope, as the gateway maps that role. */
export const TEST_OPERATOR: Principal = Object.freeze({
  role: 'operator',
  subject: 'operator-test',
  scopes: Object.values(SCOPES),
  desk: 'PO-NORD',
  organization: null,
  fiscalCode: null,
});

/** The caller the resolver tests run as (no HTTP, no signature). */
export const TEST_CALLER: Assertion = Object.freeze({
  principal: TEST_OPERATOR,
  requestId: 'test-request',
  purpose: 'GUIDANCE',
  operationName: null,
  operationHash: null,
});

export interface TestTrust {
  trust: SubgraphTrust;
  /** Headers carrying a fresh assertion for `principal` (the test operator by default). */
  headersFor(
    principal?: Principal,
    purpose?: Assertion['purpose'],
  ): Promise<Record<string, string>>;
}

export async function createTestTrust(): Promise<TestTrust> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA');
  return {
    trust: { assertionKey: publicKey },
    async headersFor(principal = TEST_OPERATOR, purpose = 'GUIDANCE') {
      const token = await signAssertion(privateKey, {
        principal,
        purpose,
        operationName: TEST_CALLER.operationName,
        operationHash: TEST_CALLER.operationHash,
      });
      return { [ASSERTION_HEADER]: token };
    },
  };
}
