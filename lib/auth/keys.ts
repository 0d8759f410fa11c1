// Ed25519 key pairs kept as JWK files for the embedded default: one signs development
// client tokens (`npm run token`), one signs the gateway's assertions to the subgraphs.
// Created on first start, mode 0600, in a git-ignored folder; never committed.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type KeyObject,
} from 'jose';

export type KeyPurpose = 'token-signing' | 'assertion';

export interface KeyPairFiles {
  privateFile: string;
  publicFile: string;
}

export function keyFiles(dir: string, purpose: KeyPurpose): KeyPairFiles {
  return {
    privateFile: join(dir, `${purpose}.private.jwk.json`),
    publicFile: join(dir, `${purpose}.public.jwk.json`),
  };
}

function writeAtomically(file: string, text: string, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode });
  renameSync(temp, file);
}

/** Creates the key pair for `purpose` in `dir` unless it exists. */
export async function ensureKeyPair(dir: string, purpose: KeyPurpose): Promise<KeyPairFiles> {
  const files = keyFiles(dir, purpose);
  if (existsSync(files.privateFile) && existsSync(files.publicFile)) return files;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const kid = `${purpose}-${randomUUID()}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  writeAtomically(files.privateFile, JSON.stringify(privateJwk), 0o600);
  writeAtomically(files.publicFile, JSON.stringify({ keys: [publicJwk] }), 0o644);
  return files;
}

/** The secret behind analysts' pseudonyms (a keyed HMAC of worker ids), 32 random bytes. */
export function ensurePseudonymKey(dir: string): string {
  const file = join(dir, 'pseudonym.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomically(file, randomBytes(32).toString('base64'), 0o600);
  }
  return file;
}

export async function ensureKeys(dir: string): Promise<void> {
  await ensureKeyPair(dir, 'token-signing');
  await ensureKeyPair(dir, 'assertion');
  ensurePseudonymKey(dir);
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    throw new Error(
      `cannot read ${what} from ${file} (run \`npm start\` once to create the development keys)`,
    );
  }
}

export interface LoadedPrivateKey {
  key: CryptoKey | KeyObject | Uint8Array;
  kid: string | undefined;
}

export async function loadPrivateKey(file: string): Promise<LoadedPrivateKey> {
  const jwk = readJson(file, 'a private key') as JWK;
  return { key: await importJWK(jwk, 'EdDSA'), kid: jwk.kid };
}

/** Reads a JWK set file (`{"keys": [...]}`). */
export function loadPublicJwks(file: string): { keys: JWK[] } {
  const set = readJson(file, 'a public key set') as { keys?: unknown };
  if (!Array.isArray(set.keys)) throw new Error(`${file} is not a JWK set`);
  return set as { keys: JWK[] };
}

export async function loadPublicKey(file: string): Promise<CryptoKey | KeyObject | Uint8Array> {
  const [jwk] = loadPublicJwks(file).keys;
  if (!jwk) throw new Error(`${file} holds no key`);
  return importJWK(jwk, 'EdDSA');
}
