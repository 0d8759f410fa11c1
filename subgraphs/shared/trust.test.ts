// A subgraph verifies each assertion once while it is valid, and takes the request id from the
// gateway's header only when it is one the gateway would make.
import type { IncomingMessage } from 'node:http';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ASSERTION_HEADER, signAssertion, type SignedFacts } from '../../lib/auth/assertion.js';
import { REQUEST_ID_HEADER } from '../../lib/request-scope.js';
import { PUBLIC_PRINCIPAL } from '../../lib/auth/principal.js';
import { callerVerifier, requestIdOf } from './trust.js';

const facts: SignedFacts = {
  principal: PUBLIC_PRINCIPAL,
  purpose: null,
  operationName: 'Desks',
  operationHash: 'h',
};

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('callerVerifier', () => {
  it('answers the asserted caller with each request’s own id', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const verify = callerVerifier(publicKey);
    const token = await signAssertion(privateKey, facts);
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    const callers = await Promise.all(
      ids.map((id) => verify(req({ [ASSERTION_HEADER]: token, [REQUEST_ID_HEADER]: id }))),
    );
    expect(callers.map((c) => c.requestId)).toEqual(ids);
    expect(callers[0]).toMatchObject({ ...facts, requestId: ids[0] });
  });

  it('refuses a missing, forged or expired assertion with a 401, and never keeps a refused one', async () => {
    const gateway = await generateKeyPair('EdDSA');
    const forger = await generateKeyPair('EdDSA');
    const verify = callerVerifier(gateway.publicKey);
    const forged = await signAssertion(forger.privateKey, facts);
    const expired = await new SignJWT({ role: 'public', scp: [] })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('prato-graph-gateway')
      .setAudience('prato-graph-subgraphs')
      .setIssuedAt(1_000)
      .setExpirationTime(1_060)
      .sign(gateway.privateKey);
    const cases: Record<string, string>[] = [
      {},
      { [ASSERTION_HEADER]: forged },
      { [ASSERTION_HEADER]: expired },
    ];
    for (const headers of cases) {
      for (let i = 0; i < 2; i += 1) {
        await expect(verify(req(headers))).rejects.toMatchObject({
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
    }
  });
});

describe('requestIdOf', () => {
  it('takes a UUID from the gateway and makes its own for anything else, never echoing it', () => {
    const id = crypto.randomUUID();
    expect(requestIdOf(req({ [REQUEST_ID_HEADER]: id }))).toBe(id);
    for (const sent of ['RSSMRA80A01G999X', 'x'.repeat(36), `${id}\n`]) {
      const own = requestIdOf(req({ [REQUEST_ID_HEADER]: sent }));
      expect(own).not.toBe(sent);
      expect(own).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    expect(requestIdOf(req({}))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
