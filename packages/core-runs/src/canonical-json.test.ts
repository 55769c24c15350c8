import fc from 'fast-check';
import previous from 'fast-json-stable-stringify';
import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson, sha256Hex } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same hash for the same content in any key order', () => {
    expect(canonicalHash({ x: 1, y: 'é' })).toBe(canonicalHash({ y: 'é', x: 1 }));
    expect(canonicalHash({ x: 1 })).not.toBe(canonicalHash({ x: 2 }));
  });

  it('writes the same bytes as fast-json-stable-stringify, which wrote every record hashed so far', () => {
    const keys = fc.oneof(
      fc.string(),
      fc.constantFrom('a', 'B', '_', 'é', '\u00ff', '\ud800', '😀', '10', '2', ''),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)),
        fc.constant(undefined),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(keys, tie('node'), { maxKeys: 6 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const old = previous(v);
        if (old === undefined) expect(() => canonicalJson(v)).toThrow(TypeError);
        else expect(canonicalJson(v)).toBe(old);
      }),
      { numRuns: 2000 },
    );
    const withToJson = { when: new Date(0), nested: { toJSON: () => ({ z: 1, a: [undefined, () => 1] }) } };
    expect(canonicalJson(withToJson)).toBe(previous(withToJson));
  });

  it('refuses a cycle', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(TypeError);
  });

  it('hashes with sha256 hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
