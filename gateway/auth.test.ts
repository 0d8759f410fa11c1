import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken, type DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { ensureKeyPair, loadPrivateKey, type LoadedPrivateKey } from '../lib/auth/keys.js';
import { PUBLIC_PRINCIPAL } from '../lib/auth/principal.js';
import { createAuthenticator, type Authenticator } from './auth.js';

const issuer = { issuer: 'prato-graph-dev', audience: 'prato-graph' };
let dir: string;
let signer: LoadedPrivateKey;
let stranger: LoadedPrivateKey;
let authenticate: Authenticator;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'auth-test-'));
  const files = await ensureKeyPair(join(dir, 'trusted'), 'token-signing');
  signer = await loadPrivateKey(files.privateFile);
  stranger = await loadPrivateKey(
    (await ensureKeyPair(join(dir, 'other'), 'token-signing')).privateFile,
  );
  authenticate = createAuthenticator({ jwksFile: files.publicFile, ...issuer });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bearer = async (claims: DevTokenClaims, key = signer, audience = issuer) =>
  `Bearer ${await mintDevToken(key, claims, audience)}`;

async function refusal(
  authorization: string,
): Promise<{ message: string; code: unknown; status: unknown }> {
  try {
    await authenticate(authorization);
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    return {
      message: err.message,
      code: err.extensions.code,
      status: (err.extensions.http as { status: number }).status,
    };
  }
  throw new Error('expected a refusal');
}

describe('authentication', () => {
  it('treats a request without a token as the public role', async () => {
    expect(await authenticate(undefined)).toBe(PUBLIC_PRINCIPAL);
  });

  it('maps a verified token to its role, scopes and claims', async () => {
    const operator = await authenticate(
      await bearer({ role: 'operator', subject: 'op-7', desk: 'PO-NORD' }),
    );
    expect(operator).toMatchObject({ role: 'operator', subject: 'op-7', desk: 'PO-NORD' });
    expect(operator.scopes).toContain('worker:identity');
    const analyst = await authenticate(await bearer({ role: 'analyst', subject: 'an-1' }));
    expect(analyst.scopes).not.toContain('worker:identity');
  });

  it.each([
    [
      'an expired token',
      () =>
        bearer({ role: 'analyst', subject: 'a', expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      'The token has expired',
    ],
    [
      'a token signed by an unknown key',
      () => bearer({ role: 'analyst', subject: 'a' }, stranger),
      'The token is not signed by a trusted key',
    ],
    [
      'a token for another audience',
      () => bearer({ role: 'analyst', subject: 'a' }, signer, { ...issuer, audience: 'x' }),
      "The token's aud claim is not acceptable",
    ],
    [
      'a malformed header',
      () => Promise.resolve('Bearer not-a-jwt'),
      'Malformed Authorization header: expected "Bearer <JWT>"',
    ],
    [
      'a basic credential',
      () => Promise.resolve('Basic dXNlcjpwdw=='),
      'Malformed Authorization header: expected "Bearer <JWT>"',
    ],
    [
      'an operator without a desk',
      () => bearer({ role: 'operator', subject: 'o' }),
      'An operator token must name a desk',
    ],
    [
      'a citizen without a valid fiscal code',
      () => bearer({ role: 'citizen', subject: 'L1', fiscalCode: 'RSSMRA80A01H501X' }),
      'A citizen token must carry a valid fiscal code',
    ],
  ])('refuses %s with 401 and a clear message', async (_, header, message) => {
    expect(await refusal(await header())).toEqual({
      message,
      code: 'UNAUTHENTICATED',
      status: 401,
    });
  });
});

describe('verified-token cache', () => {
  const make = (clock: { ms: number }, cacheEntries?: number) =>
    createAuthenticator({
      jwksFile: join(dir, 'trusted', 'token-signing.public.jwk.json'),
      ...issuer,
      now: () => clock.ms,
      ...(cacheEntries === undefined ? {} : { cacheEntries }),
    });

  it('verifies a repeated token once, and each different token on its own', async () => {
    const clock = { ms: Date.now() };
    const auth = make(clock);
    const operator = await bearer({ role: 'operator', subject: 'op-1', desk: 'PO-NORD' });
    const analyst = await bearer({ role: 'analyst', subject: 'an-1' });
    const first = await auth(operator);
    expect(await auth(operator)).toEqual(first);
    expect(await auth(operator)).toMatchObject({ role: 'operator', desk: 'PO-NORD' });
    expect(auth.stats()).toMatchObject({ verifications: 1, entries: 1, hits: 2 });
    expect(await auth(analyst)).toMatchObject({ role: 'analyst', subject: 'an-1' });
    expect(auth.stats()).toMatchObject({ verifications: 2, entries: 2 });
  });

  it('refuses a cached token once it has expired, as an uncached one', async () => {
    const clock = { ms: Date.now() };
    const auth = make(clock);
    const exp = Math.floor(clock.ms / 1000) + 60;
    const token = await bearer({ role: 'analyst', subject: 'a', expiresIn: exp });
    await auth(token);
    clock.ms = exp * 1000 - 1;
    expect(await auth(token)).toMatchObject({ role: 'analyst' });
    expect(auth.stats().verifications).toBe(1);
    clock.ms = exp * 1000;
    await expect(auth(token)).rejects.toMatchObject({
      message: 'The token has expired',
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
    await expect(auth(token)).rejects.toThrow('The token has expired');
    expect(auth.stats()).toMatchObject({ verifications: 3, entries: 0 });
  });

  it('keeps no refused token', async () => {
    const auth = make({ ms: Date.now() });
    const foreign = await bearer({ role: 'analyst', subject: 'a' }, stranger);
    await expect(auth(foreign)).rejects.toThrow('The token is not signed by a trusted key');
    await expect(auth(foreign)).rejects.toThrow('The token is not signed by a trusted key');
    expect(auth.stats()).toMatchObject({ verifications: 2, entries: 0 });
  });

  it('is bounded: the least recently used token is dropped and verified again', async () => {
    const auth = make({ ms: Date.now() }, 2);
    const tokens = await Promise.all(
      ['a', 'b', 'c'].map((subject) => bearer({ role: 'analyst', subject })),
    );
    for (const token of tokens) await auth(token);
    expect(auth.stats()).toMatchObject({ entries: 2, verifications: 3 });
    expect(await auth(tokens[2] as string)).toMatchObject({ subject: 'c' });
    expect(auth.stats().verifications).toBe(3);
    expect(await auth(tokens[0] as string)).toMatchObject({ subject: 'a' });
    expect(auth.stats()).toMatchObject({ entries: 2, verifications: 4 });
  });
});
