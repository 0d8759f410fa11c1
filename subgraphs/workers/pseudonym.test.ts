import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPseudonymizer } from './pseudonym.js';

describe('pseudonyms', () => {
  it('are stable for one key and differ between keys and between workers', () => {
    const one = createPseudonymizer(randomBytes(32));
    const other = createPseudonymizer(randomBytes(32));
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        expect(one(a)).toBe(one(a));
        expect(one(a)).not.toBe(other(a));
        if (a !== b) expect(one(a)).not.toBe(one(b));
      }),
    );
  });

  it('never contain the id they stand for', () => {
    const pseudonymOf = createPseudonymizer(randomBytes(32));
    expect(pseudonymOf('L0000123')).toMatch(/^P-[A-Za-z0-9_-]{22}$/);
    expect(pseudonymOf('L0000123')).not.toContain('0000123');
  });

  it('refuse a short key', () => {
    expect(() => createPseudonymizer(randomBytes(16))).toThrow(/at least 32 bytes/);
  });
});
