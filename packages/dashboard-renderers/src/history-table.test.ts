import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  concatTables,
  createTableBuilder,
  decodeTable,
  decodeTableHead,
  decodeTableRest,
  encodeTable,
  entryAsRow,
  type HistoryTable,
  positionsIn,
  selectEntries,
  sortedByFile,
} from './history-table.js';
import { TASK_CLASSIFIER } from './summarize-history.js';

function sample(prefix: string): HistoryTable {
  const builder = createTableBuilder(TASK_CLASSIFIER);
  builder.addRun(`${prefix}1.json`, 10, 1.5, {
    capturedAt: '2024-03-01T10:00:00Z',
    status: 'ok',
    task: 'template:release-readiness --dry-run',
    actions: ['fs.write', 'report.build'],
    workers: ['worker-1', 'worker-2'],
    approved: 1,
    denied: 0,
    failedAfterApproval: 0,
  });
  builder.addProblem(`${prefix}2.json`, 3, 2.25, 'not valid JSON');
  builder.addRun(`${prefix}3.json`, 12, 3, {
    capturedAt: '2024-02-30T00:00:00Z',
    status: 'error',
    task: `say "hi"\n\u00e9\u{1f600}`,
    actions: [prefix === 'a' ? 'shell.run' : 'fs.read'],
    workers: ['worker-1'],
    approved: 2,
    denied: 1,
    failedAfterApproval: 1,
  });
  return builder.build();
}

const rows = (table: HistoryTable) => table.files.map((_, i) => entryAsRow(table, i));

describe('history tables', () => {
  it('keep what was added, with the task family and template worked out', () => {
    const table = sample('a');
    expect(rows(table)).toEqual([
      [
        'a1.json',
        '2024-03-01T10:00:00Z',
        'ok',
        'template:release-readiness --dry-run',
        ['fs.write', 'report.build'],
        ['worker-1', 'worker-2'],
        1,
        0,
        0,
        10,
        1.5,
      ],
      ['a2.json', 3, 2.25, 'not valid JSON'],
      [
        'a3.json',
        '2024-02-30T00:00:00Z',
        'error',
        `say "hi"\n\u00e9\u{1f600}`,
        ['shell.run'],
        ['worker-1'],
        2,
        1,
        1,
        12,
        3,
      ],
    ]);
    expect([...table.family]).toEqual([1, 3, 2]);
    expect(table.template).toEqual(['release-readiness', '', '']);
    expect(table.seconds[0]).toBe(Date.parse('2024-03-01T10:00:00Z') / 1000);
    expect(Number.isNaN(table.seconds[1])).toBe(true);
  });

  it('survive encoding (two JSON lines: what matching needs, then the rest) unchanged', () => {
    const table = sample('a');
    const text = encodeTable(table);
    const lines = text.split('\n');
    expect(lines).toHaveLength(2);
    expect(Object.keys(JSON.parse(lines[0] as string))).toEqual(['n', 'files', 'size', 'mtime', 'seconds']);
    const decoded = decodeTable(text);
    expect(rows(decoded)).toEqual(rows(table));
    expect([...decoded.family]).toEqual([...table.family]);
    expect(decoded.template).toEqual(table.template);
    expect(Number.isNaN(decoded.seconds[1])).toBe(true);
    expect(rows(decodeTableRest(decodeTableHead(lines[0] as string), lines[1] as string))).toEqual(
      rows(table),
    );
  });

  it('reject text that is not an encoded table', () => {
    const [headLine, restLine] = encodeTable(sample('a')).split('\n') as [string, string];
    const head = JSON.parse(headLine) as Record<string, unknown>;
    const rest = JSON.parse(restLine) as Record<string, unknown>;
    const b64 = (values: number[], Type: Uint8ArrayConstructor | Uint32ArrayConstructor) =>
      Buffer.from(Type.from(values).buffer).toString('base64');
    const brokenHeads: Record<string, unknown>[] = [
      { ...head, n: 4 },
      { ...head, n: -1 },
      { ...head, files: ['a1.json', 2, 'a3.json'] },
      { ...head, size: b64([1, 2], Uint32Array) },
      { ...head, mtime: 7 },
    ];
    for (const value of brokenHeads)
      expect(() => decodeTable(`${JSON.stringify(value)}\n${restLine}`)).toThrow(/^table: /);
    const brokenRests: Record<string, unknown>[] = [
      { ...rest, kind: b64([0, 7, 1], Uint8Array) },
      { ...rest, family: b64([0, 1], Uint8Array) },
      { ...rest, task: ['x', 'y'] },
      {
        ...rest,
        actions: { names: ['x'], start: b64([0, 1, 1, 9], Uint32Array), ids: b64([0], Uint32Array) },
      },
      {
        ...rest,
        workers: { names: ['x'], start: b64([0, 1, 1, 1], Uint32Array), ids: b64([5], Uint32Array) },
      },
      { ...rest, workers: { names: ['x'], start: b64([0, 1, 1, 1], Uint32Array), ids: 'AAA' } },
    ];
    for (const value of brokenRests)
      expect(() => decodeTable(`${headLine}\n${JSON.stringify(value)}`)).toThrow(/^table: /);
    expect(() => decodeTable(headLine)).toThrow(/^table: /);
    expect(() => decodeTable('[1,2]\n{}')).toThrow();
    expect(() => decodeTable(`${headLine}\n{"kind":`)).toThrow();
  });

  it('select and concatenate entries, merging the action and worker names', () => {
    const a = sample('a');
    const b = sample('b');
    const picked = selectEntries(a, Uint8Array.from([1, 0, 1]));
    expect(rows(picked)).toEqual([rows(a)[0], rows(a)[2]]);
    const both = concatTables([picked, b]);
    expect(rows(both)).toEqual([rows(a)[0], rows(a)[2], ...rows(b)]);
    expect(both.actions.names.sort()).toEqual(['fs.read', 'fs.write', 'report.build', 'shell.run']);
    expect(concatTables([b])).toBe(b);
  });
});

describe('positionsIn', () => {
  const names = Array.from({ length: 1000 }, (_, i) => `${i.toString(16).padStart(4, '0')}.json`);
  it('finds sorted files by walking or by binary search, and unsorted ones through a map', () => {
    const many = names
      .filter((_, i) => i % 3 === 0)
      .concat(['zzzz.json'])
      .sort();
    const few = ['0001.json', '00ff.json', '0100.5.json', '03e7.json'];
    const unsorted = ['03e7.json', 'nope.json', '0000.json'];
    expect([...positionsIn(names, many)]).toEqual(many.map((file) => names.indexOf(file)));
    expect([...positionsIn(names, few)]).toEqual([1, 255, -1, 999]);
    const cache = {};
    expect([...positionsIn(names, unsorted, cache)]).toEqual([999, -1, 0]);
    expect([...positionsIn(names, ['0002.json', '0001.json'], cache)]).toEqual([2, 1]);
    expect([...positionsIn([], few)]).toEqual([-1, -1, -1, -1]);
  });

  it('finds every sorted subset, whatever the gaps (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }),
        (present, wanted) => {
          const key = (n: number) => `${n.toString(16).padStart(4, '0')}.json`;
          const sortedNames = present.map(key).sort();
          const files = wanted.map(key).sort();
          expect([...positionsIn(sortedNames, files)]).toEqual(
            files.map((file) => sortedNames.indexOf(file)),
          );
        },
      ),
    );
  });

  it('sortedByFile orders every column by file name', () => {
    const table = concatTables([sample('b'), sample('a')]);
    const sorted = sortedByFile(table);
    expect(sorted.files).toEqual(['a1.json', 'a2.json', 'a3.json', 'b1.json', 'b2.json', 'b3.json']);
    expect(rows(sorted)).toEqual([...rows(sample('a')), ...rows(sample('b'))]);
  });
});
