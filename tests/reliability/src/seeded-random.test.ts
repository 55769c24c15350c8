import { describe, expect, it } from 'vitest';
import { randomInt, seededRandom } from './seeded-random.js';

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in range', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const first = Array.from({ length: 50 }, () => a());
    expect(Array.from({ length: 50 }, () => b())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(first).size).toBe(50);
    const r = seededRandom(1);
    const ints = Array.from({ length: 200 }, () => randomInt(r, 3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
  });
});
