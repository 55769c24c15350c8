import { describe, expect, it } from 'vitest';
import { createTableBuilder, encodeTable, type HistoryTable } from './history-table.js';
import { TASK_CLASSIFIER } from './summarize-history.js';
import { encodeIndexSegment, parseSummaryIndex } from './summary-index.js';
import { partialSummaryOf } from './summary-partial.js';

function table(): HistoryTable {
  const builder = createTableBuilder(TASK_CLASSIFIER);
  for (let i = 0; i < 3; i++)
    builder.addRun(`${i}.json`, 10 + i, 1.5 + i, {
      capturedAt: `2024-03-0${i + 1}T10:00:00Z`,
      status: i === 1 ? 'error' : 'ok',
      task: `run ${i}`,
      actions: ['fs.write'],
      workers: ['worker-1'],
      approved: 0,
      denied: 0,
      failedAfterApproval: 0,
    });
  builder.addProblem('bad.json', 3, 4, 'not valid JSON');
  return builder.build();
}

const header = () => {
  const text = indexText([]);
  return text.slice(0, text.indexOf('\n') + 1);
};

function indexText(segments: string[][]): string {
  const byteOrder = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE';
  return `{"sdetkit_summary_index":6,"byte_order":"${byteOrder}"}\n${segments.map((s) => `${s.join('')}\n`).join('')}`;
}

function segment(): string[] {
  const t = table();
  return encodeIndexSegment(encodeTable(t), partialSummaryOf(t, { limit: 2 }), [
    ['bad.json', 'not valid JSON'],
  ]);
}

describe('summary index', () => {
  it('reads back what it stores: names, sizes and mtimes, the summary, and the columns on demand', () => {
    const [loaded] = parseSummaryIndex(Buffer.from(indexText([segment(), segment()])));
    expect(loaded?.head.files).toEqual(['0.json', '1.json', '2.json', 'bad.json']);
    expect([...(loaded?.head.size ?? [])]).toEqual([10, 11, 12, 3]);
    expect(loaded?.part.partial).toMatchObject({ total: 3, success: 2, streak: 1, limit: 2 });
    expect([...(loaded?.part.order ?? [])]).toEqual([2, 1, 0]);
    expect(loaded?.problems).toEqual([['bad.json', 'not valid JSON']]);
    expect(loaded?.table().task).toEqual(['run 0', 'run 1', 'run 2', '']);
    expect(loaded?.raw.toString()).toBe(segment().join(''));
  });

  it('treats an index it cannot trust as empty', () => {
    const good = segment();
    const withSummary = (change: (summary: Record<string, unknown>) => void) => {
      const summary = JSON.parse(good[1] as string) as Record<string, unknown>;
      change(summary);
      return [good[0] as string, JSON.stringify(summary), good[2] as string, good[3] as string];
    };
    const partial = (summary: Record<string, unknown>) => summary.partial as Record<string, unknown>;
    const untrusted = [
      `${header().replace('6', '5')}${good.join('')}\n`,
      indexText([good]).slice(0, -1),
      `${header()}${good[0]}\n${good[1]}\n`,
      indexText([withSummary((s) => Object.assign(partial(s), { total: -1 }))]),
      indexText([withSummary((s) => Object.assign(partial(s), { newest: [] }))]),
      indexText([withSummary((s) => Object.assign(partial(s), { success: 4 }))]),
      indexText([
        withSummary((s) => Object.assign(s, { order: Buffer.from([9, 0, 0, 0]).toString('base64') })),
      ]),
      indexText([withSummary((s) => Object.assign(s, { problems: [['bad.json']] }))]),
    ];
    for (const text of untrusted) expect(parseSummaryIndex(Buffer.from(text))).toEqual([]);
    expect(parseSummaryIndex(Buffer.from(indexText([good])))).toHaveLength(1);
  });
});
