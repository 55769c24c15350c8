import { describe, expect, it } from 'vitest';
import { newestFirstOrder } from './newest-first.js';

interface Entry {
  file: string;
  at: string;
}

/** The reference order: `captured_at` descending, then file name ascending. */
function compareNewestFirst(a: Entry, b: Entry): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function order(entries: Entry[]): Entry[] {
  const capturedAt = entries.map((e) => e.at);
  const sorted = newestFirstOrder(
    Uint32Array.from(entries.keys()),
    capturedAt,
    entries.map((e) => e.file),
    Float64Array.from(capturedAt, (at) => Date.parse(at) / 1000),
  );
  return Array.from(sorted, (i) => entries[i] as Entry);
}

describe('newestFirstOrder', () => {
  it('matches the comparator order, ties broken by hash, whatever the input order', () => {
    const entries: Entry[] = [];
    for (let i = 0; i < 2000; i++) {
      const second = String(i % 37).padStart(2, '0');
      entries.push({
        file: (i * 7919).toString(16).padStart(64, '0'),
        at: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:${second.slice(-2).padStart(2, '0')}Z`,
      });
    }
    const expected = [...entries].sort(compareNewestFirst);
    expect(order([...entries].reverse())).toEqual(expected);
    expect(order(entries)).toEqual(expected);
  });

  it('orders timestamps the Date parser rejects by their text', () => {
    const entries: Entry[] = [
      { file: 'b', at: '2024-13-01T00:00:00Z' },
      { file: 'a', at: '2024-01-01T00:00:00Z' },
      { file: 'c', at: '2024-13-01T00:00:00Z' },
    ];
    expect(order(entries)).toEqual([...entries].sort(compareNewestFirst));
  });

  it('handles empty and single inputs', () => {
    expect(order([])).toEqual([]);
    const one = [{ file: 'a', at: '2024-01-01T00:00:00Z' }];
    expect(order(one)).toEqual(one);
  });
});
