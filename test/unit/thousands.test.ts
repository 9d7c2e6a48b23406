import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thousands } from '../../bot/text';

describe('thousands (the alert counts, without ICU on the first event)', () => {
  it("writes every integer as toLocaleString('en-US') does", () => {
    for (const n of [0, 1, 999, 1000, 12_345, 1_000_000, -1234, Number.MAX_SAFE_INTEGER])
      expect(thousands(n)).toBe(n.toLocaleString('en-US'));
    fc.assert(fc.property(fc.integer(), (n) => thousands(n) === n.toLocaleString('en-US')));
  });
});
