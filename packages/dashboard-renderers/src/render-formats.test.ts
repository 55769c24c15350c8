import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanHistory } from './history-scan.js';
import { markdownCode } from './markdown-escape.js';
import { renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-markdown.js';
import { type DashboardSummary, summarizeHistory } from './summarize-history.js';
import { createHistoryFixture, SAMPLE_RUNS } from './testing/history-fixture.js';

let fixture: Awaited<ReturnType<typeof createHistoryFixture>>;
let summary: DashboardSummary;
beforeEach(async () => {
  fixture = await createHistoryFixture(SAMPLE_RUNS);
  const scan = await scanHistory(fixture.historyDir, { displayDir: 'h' });
  summary = summarizeHistory(scan.rows, { skipped: scan.problems });
});
afterEach(() => fixture.cleanup());

const HOSTILE = '<script>alert(1)</script> | =cmd';

describe('json', () => {
  it('is canonical JSON of the summary', () => {
    const text = renderJson(summary);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(text.startsWith('{"approvals":')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('csv', () => {
  it('has the contract header, one row per run oldest first, and escapes formulae', () => {
    const lines = renderCsv(summary).trimEnd().split('\n');
    expect(lines[0]).toBe('captured_at,hash,status,task,action_count');
    expect(lines).toHaveLength(6);
    expect(lines[1]!.startsWith('2024-03-01T10:00:00Z,')).toBe(true);
    expect(
      renderCsv({ ...summary, records: [{ ...summary.records[0]!, task: '=HYPERLINK("x")' }] }),
    ).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('escapes a formula even when a line break follows its first character', () => {
    for (const task of ['=\r=cmd()', '+\n1', '@\nSUM(A1)', '-\r\n2']) {
      const csv = renderCsv({ ...summary, records: [{ ...summary.records[0]!, task }] });
      expect(csv, JSON.stringify(task)).toContain(`"'${task}"`);
    }
  });
});

describe('markdown', () => {
  it('shows the headline numbers and failed runs with timestamps and hashes', () => {
    const md = renderMarkdown(summary);
    expect(md).toContain('| 5 | 3 | 2 | 60.0% | ok | 1 |');
    expect(md).toContain(`| 2024-03-02T09:00:00Z | \`${summary.failures[1]!.hash.slice(0, 12)}\` |`);
  });

  it('keeps hostile task text inert: no raw HTML, no extra table cells', () => {
    const md = renderMarkdown(summary);
    const line = md.split('\n').find((l) => l.includes('alert(1)'))!;
    expect(line).toContain('`<script>alert(1)</script> \\| =cmd`');
    expect(line.split(/(?<!\\)\|/).length).toBe(5);
  });

  it('says so when there are no runs', () => {
    expect(renderMarkdown(summarizeHistory([]))).toContain('No runs recorded in this period.');
  });

  it('fences code spans longer than any backtick run inside', () => {
    expect(markdownCode('a `b` c')).toBe('``a `b` c``');
    expect(markdownCode('`x')).toBe('`` `x ``');
  });
});

describe('html', () => {
  it('is one self-contained page: inline CSS and SVG, no script and no network', () => {
    const html = renderHtml(summary);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
    expect(html).toContain('prefers-color-scheme: dark');
    expect(html).toContain('@media print');
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
  });

  it('escapes every value taken from a record', () => {
    const html = renderHtml(summary);
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('shows the numbers a person reads', () => {
    const html = renderHtml(summary);
    expect(html).toContain('data-testid="total-runs">5<');
    expect(html).toContain('data-testid="success-rate">60.0%<');
    expect(html).toContain(summary.failures[0]!.hash);
  });

  it('renders an empty history as a valid page that says there are no runs', () => {
    const html = renderHtml(summarizeHistory([]));
    expect(html).toContain('No runs recorded in this period.');
    expect(html).toContain('</html>');
  });

  it('is byte-identical for the same summary', () => {
    expect(renderHtml(summary)).toBe(renderHtml(structuredClone(summary)));
  });
});
