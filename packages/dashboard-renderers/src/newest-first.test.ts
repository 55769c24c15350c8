import { describe, expect, it } from 'vitest';
import { compareNewestFirst, sortNewestFirst } from './newest-first.js';
import type { HistoryRow } from './scan-chunk.js';

function row(hash: string, at: string): HistoryRow {
  return [hash, at, 'ok', 't', [], [], 0, 0, 0, 1, 1];
}

describe('sortNewestFirst', () => {
  it('matches the comparator order, ties broken by hash, whatever the input order', () => {
    const rows: HistoryRow[] = [];
    for (let i = 0; i < 2000; i++) {
      const second = String(i % 37).padStart(2, '0');
      rows.push(
        row(
          (i * 7919).toString(16).padStart(64, '0'),
          `2024-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:${second.slice(-2).padStart(2, '0')}Z`,
        ),
      );
    }
    const expected = [...rows].sort(compareNewestFirst);
    expect(sortNewestFirst([...rows].reverse())).toEqual(expected);
    expect(sortNewestFirst(rows)).toEqual(expected);
  });

  it('handles empty and single inputs', () => {
    expect(sortNewestFirst([])).toEqual([]);
    const one = [row('a', '2024-01-01T00:00:00Z')];
    expect(sortNewestFirst(one)).toEqual(one);
  });
});
