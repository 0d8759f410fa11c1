// Analysts see people only through pseudonyms: a keyed HMAC of the IDOL id, stable within
// a deployment and not reversible without its key. A plain hash of a fiscal code would not
// do: that space is small and structured, so it could be enumerated.
import { createHmac } from 'node:crypto';

export function createPseudonymizer(key: Buffer): (workerId: string) => string {
  if (key.length < 32) throw new RangeError('a pseudonym key needs at least 32 bytes');
  return (workerId) =>
    `P-${createHmac('sha256', key).update(workerId).digest('base64url').slice(0, 22)}`;
}
