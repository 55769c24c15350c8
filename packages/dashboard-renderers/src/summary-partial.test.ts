import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalSeconds, isCanonicalTimestamp } from './canonical-time.js';
import { createTableBuilder, type HistoryTable, selectEntries } from './history-table.js';
import { finishSummary, summarizeTable, TASK_CLASSIFIER } from './summarize-history.js';
import { canMergeParts, mergePartialSummaries, partialSummaryOf } from './summary-partial.js';

const run = fc.record({
  // Few distinct seconds, so that runs share a timestamp and a day.
  minute: fc.integer({ min: 0, max: 3 * 24 * 60 }),
  second: fc.constantFrom(0, 0, 0, 30),
  ok: fc.boolean(),
  task: fc.constantFrom('action fs.write {}', 'template:repo-health-audit', 'template:release', 'free text'),
  actions: fc.array(fc.constantFrom('fs.write', 'shell.run', 'report.build'), { maxLength: 3 }),
  workers: fc.array(fc.constantFrom('worker-1', 'worker-2'), { maxLength: 2 }),
  approved: fc.integer({ min: 0, max: 2 }),
  problem: fc.boolean().map((b) => b && Math.random() < 0.2),
});

type Run = typeof run extends fc.Arbitrary<infer T> ? T : never;

function tableOf(runs: Run[]): HistoryTable {
  const builder = createTableBuilder(TASK_CLASSIFIER);
  runs.forEach((r, i) => {
    // File names need not sort like the runs: ties on time are broken by name.
    const file = `${((i * 7919) % 1000).toString(16).padStart(3, '0')}${i}.json`;
    if (r.problem) {
      builder.addProblem(file, 1, 1, 'not valid JSON');
      return;
    }
    const at = new Date(Date.UTC(2024, 1, 28) + r.minute * 60_000 + r.second * 1000);
    builder.addRun(file, 1, 1, {
      capturedAt: `${at.toISOString().slice(0, 19)}Z`,
      status: r.ok ? 'ok' : 'error',
      task: r.task,
      actions: r.actions,
      workers: r.workers,
      approved: r.approved,
      denied: r.approved === 0 ? 1 : 0,
      failedAfterApproval: r.ok ? 0 : r.approved,
    });
  });
  return builder.build();
}

describe('partial summaries', () => {
  it('merged from any split of the runs, equal the summary of all runs at once', () => {
    fc.assert(
      fc.property(
        fc.array(run, { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 60, maxLength: 60 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 4 }),
        (runs, partOf, listLimit, extra) => {
          const table = tableOf(runs);
          const parts = [0, 1, 2, 3]
            .map((p) =>
              selectEntries(
                table,
                Uint8Array.from(table.files, (_, i) => (partOf[i] === p ? 1 : 0)),
              ),
            )
            .filter((part) => part.files.length > 0)
            .map((part) => partialSummaryOf(part, { limit: listLimit + extra }));
          if (parts.length === 0) return;
          expect(canMergeParts(parts, listLimit)).toBe(true);
          const merged = finishSummary(mergePartialSummaries(parts, listLimit), { listLimit });
          expect(merged).toEqual(summarizeTable(table, { listLimit }));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('are not merged when a part lists fewer runs than asked, or has a non-canonical time', () => {
    const table = tableOf(
      Array.from({ length: 5 }, (_, minute) => ({
        minute,
        second: 0,
        ok: true,
        task: 'free text',
        actions: [],
        workers: [],
        approved: 0,
        problem: false,
      })),
    );
    expect(canMergeParts([partialSummaryOf(table, { limit: 2 })], 3)).toBe(false);
    expect(canMergeParts([partialSummaryOf(table, { limit: 2 })], 2)).toBe(true);
    // A part holding all its runs can be listed at any length.
    expect(canMergeParts([partialSummaryOf(table, { limit: 5 })], 50)).toBe(true);
    const odd = createTableBuilder(TASK_CLASSIFIER);
    odd.addRun('a.json', 1, 1, {
      capturedAt: '2024-02-30T00:00:00Z',
      status: 'ok',
      task: 'x',
      actions: [],
      workers: [],
      approved: 0,
      denied: 0,
      failedAfterApproval: 0,
    });
    expect(canMergeParts([partialSummaryOf(odd.build(), { limit: 5 })], 1)).toBe(false);
  });

  it('call a timestamp canonical only when it names a real time, and count its seconds as Date.parse does', () => {
    for (const text of [
      '2024-02-29T00:00:00Z',
      '2023-12-31T23:59:59Z',
      '2000-02-29T12:00:00Z',
      '1999-01-01T00:00:00Z',
    ])
      expect(isCanonicalTimestamp(text)).toBe(true);
    for (const text of [
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T00:60:00Z',
      '2024-01-01 00:00:00Z',
      '2024-01-01T00:00:00.000Z',
      '2024-01-00T00:00:00Z',
    ])
      expect(isCanonicalTimestamp(text)).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200, max: 253_402_300_799 }), (seconds) => {
        const text = `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
        expect(canonicalSeconds(text)).toBe(seconds);
        expect(canonicalSeconds(text)).toBe(Date.parse(text) / 1000);
      }),
      { numRuns: 2000 },
    );
  });
});
