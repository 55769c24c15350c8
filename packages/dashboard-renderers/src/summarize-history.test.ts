import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanHistory } from './history-scan.js';
import { HTML_LIST_LIMIT, renderHtml } from './render-html.js';
import { MARKDOWN_LIST_LIMIT, renderMarkdown } from './render-markdown.js';
import type { HistoryRow } from './scan-chunk.js';
import { summarizeHistory, taskFamily, templateOfTask } from './summarize-history.js';
import { createHistoryFixture, SAMPLE_RUNS } from './testing/history-fixture.js';
import { parseTimeWindow } from './time-window.js';

let fixture: Awaited<ReturnType<typeof createHistoryFixture>>;
beforeEach(async () => {
  fixture = await createHistoryFixture(SAMPLE_RUNS);
});
afterEach(() => fixture.cleanup());

async function summary(window = parseTimeWindow()) {
  const scan = await scanHistory(fixture.historyDir, { displayDir: '.sdetkit/agent/history' });
  return summarizeHistory(scan.rows, { window, skipped: scan.problems });
}

describe('summarizeHistory', () => {
  it('counts runs, rate, latest status and streak with the contract keys', async () => {
    const s = await summary();
    expect(s.runs).toEqual({
      total: 5,
      success: 3,
      failed: 2,
      success_rate: 0.6,
      latest_status: 'ok',
      success_streak: 1,
    });
    expect(s.approvals).toEqual({ approved: 1, denied: 1, failed_after_approval: 1 });
    expect(s.top_actions).toEqual([
      { name: 'fs.write', count: 3 },
      { name: 'repo.audit', count: 1 },
      { name: 'report.build', count: 1 },
      { name: 'shell.run', count: 1 },
    ]);
    expect(s.top_templates).toEqual([{ name: 'repo-health-audit', count: 1 }]);
    expect(s.task_families).toEqual([
      { name: 'action', count: 2 },
      { name: 'free-text', count: 2 },
      { name: 'template', count: 1 },
    ]);
    expect(s.workers).toEqual([
      { name: 'worker-1', count: 5 },
      { name: 'worker-2', count: 1 },
    ]);
  });

  it('lists failures and records newest first, with hashes and timestamps', async () => {
    const s = await summary();
    expect(s.failures.map((f) => f.captured_at)).toEqual(['2024-03-03T08:00:00Z', '2024-03-02T09:00:00Z']);
    expect(s.records[0]).toEqual({
      hash: fixture.records[4]!.hash,
      captured_at: '2024-03-03T09:00:00Z',
      status: 'ok',
      task: 'build the dashboard',
      action_count: 1,
    });
  });

  it('builds a per-day series for charts', async () => {
    expect((await summary()).series).toEqual([
      { day: '2024-03-01', runs: 2, failures: 0, success_rate: 1 },
      { day: '2024-03-02', runs: 1, failures: 1, success_rate: 0 },
      { day: '2024-03-03', runs: 2, failures: 1, success_rate: 0.5 },
    ]);
  });

  it('restricts everything to the window', async () => {
    const s = await summary(parseTimeWindow('2024-03-02', '2024-03-02'));
    expect(s.runs.total).toBe(1);
    expect(s.runs.success_rate).toBe(0);
    expect(s.window).toEqual({ since: '2024-03-02T00:00:00Z', until: '2024-03-02T23:59:59Z' });
  });

  it('reports no runs with a null rate', async () => {
    const s = await summary(parseTimeWindow('2030-01-01'));
    expect(s.runs).toEqual({
      total: 0,
      success: 0,
      failed: 0,
      success_rate: null,
      latest_status: null,
      success_streak: 0,
    });
  });
});

describe('task classification', () => {
  it('names families and templates', () => {
    expect(taskFamily('action fs.read {}')).toBe('action');
    expect(taskFamily('template:x')).toBe('template');
    expect(taskFamily('actionable advice')).toBe('free-text');
    expect(templateOfTask('template:  ci-artifact-bundle')).toBe('ci-artifact-bundle');
    expect(templateOfTask('run the audit')).toBeNull();
  });
});

describe('summaries with a list limit', () => {
  // 400 runs over 5 days, every third one failed: more failures than html or md list.
  const rows = Array.from({ length: 400 }, (_, i): HistoryRow => {
    const at = new Date(Date.UTC(2024, 5, 1) + i * 1_000_000).toISOString().slice(0, 19);
    return [
      `${i.toString(16).padStart(64, '0')}.json`,
      `${at}Z`,
      i % 3 === 0 ? 'error' : 'ok',
      i % 5 === 0 ? `template:t${i % 4}` : `action fs.write {"n":${i}}`,
      ['fs.write'],
      [`worker-${(i % 2) + 1}`],
      0,
      0,
      0,
      100,
      1,
    ];
  });

  it('keeps every count and only the newest lines', () => {
    const full = summarizeHistory(rows);
    const limited = summarizeHistory(rows, { listLimit: 7 });
    expect(limited.records).toEqual(full.records.slice(0, 7));
    expect(limited.failures).toEqual(full.failures.slice(0, 7));
    expect({ ...limited, records: [], failures: [] }).toEqual({ ...full, records: [], failures: [] });
    expect(full.failures).toHaveLength(134);
    const none = summarizeHistory(rows, { listLimit: 0 });
    expect(none.runs).toEqual(full.runs);
    expect(none.records).toEqual([]);
  });

  it('renders html and md byte for byte as the full summary does', () => {
    const full = summarizeHistory(rows);
    const limited = summarizeHistory(rows, { listLimit: Math.max(HTML_LIST_LIMIT, MARKDOWN_LIST_LIMIT) });
    expect(full.runs.failed).toBeGreaterThan(HTML_LIST_LIMIT);
    expect(renderHtml(limited)).toBe(renderHtml(full));
    expect(renderMarkdown(limited)).toBe(renderMarkdown(full));
    expect(renderMarkdown(full)).toContain(
      `… and ${full.runs.failed - MARKDOWN_LIST_LIMIT} more failed runs`,
    );
  });
});
