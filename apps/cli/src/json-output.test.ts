import { describe, expect, it } from 'vitest';
import { formatSortedJson } from './json-output.js';

describe('formatSortedJson', () => {
  it('sorts keys at every depth, including integer-like keys, and ends with a newline', () => {
    const text = formatSortedJson({ b: 1, a: [{ z: null, y: 'x' }], 10: 'ten', 2: 'two' });
    expect(Object.keys(JSON.parse(text))).toEqual(
      ['10', '2', 'a', 'b'].sort((a, b) => Number(a) - Number(b)),
    );
    expect(text).toBe(
      '{\n  "10": "ten",\n  "2": "two",\n  "a": [\n    {\n      "y": "x",\n      "z": null\n    }\n  ],\n  "b": 1\n}\n',
    );
  });

  it('prints empty containers compactly and drops undefined', () => {
    expect(formatSortedJson({ a: [], b: {}, c: undefined })).toBe('{\n  "a": [],\n  "b": {}\n}\n');
  });
});
