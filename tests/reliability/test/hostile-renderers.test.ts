// Hostile task text through every dashboard format (fast-check): no HTML or
// script injection in html, no link/HTML/table break in markdown, no formula
// in csv, exact round trip in json.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRunRecord, RUN_RECORD_SCHEMA_VERSION, serializeRunRecord } from '@sdetkit/core-runs';
import {
  renderCsv,
  renderHtml,
  renderJson,
  renderMarkdown,
  scanHistory,
  summarizeHistory,
} from '@sdetkit/dashboard-renderers';
import fc from 'fast-check';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_SEED, scaled, tempWorkspace } from '../src/index.js';

const RUNS = scaled(60, 1000);
const MARK = 'x-evil';

/** Injection attempts, each carrying MARK so its survival can be checked. */
const attack = fc.constantFrom(
  `<${MARK}>`,
  `<script>${MARK}()</script>`,
  `</title><script>${MARK}</script>`,
  `<img src=x onerror=${MARK}()>`,
  `<svg onload=${MARK}()>`,
  `"><iframe src=javascript:${MARK}>`,
  `[${MARK}](javascript:alert(1))`,
  `![${MARK}](http://attacker/x.png)`,
  `<a href="http://attacker">${MARK}</a>`,
  `| ${MARK} | injected cell |`,
  `\n# ${MARK} heading\n`,
  `\`\`\`\n${MARK}\n\`\`\``,
  `\`${MARK}\``,
  `=HYPERLINK("http://attacker","${MARK}")`,
  `+${MARK}`,
  `-${MARK}`,
  `@SUM(${MARK})`,
  `\t=${MARK}`,
  `\r=${MARK}`,
  `${MARK}\u202e<tpircs>`,
  `&lt;${MARK}&gt;`,
  `<!-- ${MARK} -->`,
);
const taskText = fc
  .tuple(fc.string({ maxLength: 10 }), attack, fc.string({ maxLength: 10 }))
  .map(([a, b, c]) => `${a}${b}${c}`);

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-hostile-render-');
});
afterAll(() => ws.cleanup());

async function renderAll(tasks: string[]) {
  const dir = path.join(ws.root, 'history');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [i, task] of tasks.entries()) {
    const failed = i % 2 === 0;
    const record = createRunRecord({
      schema_version: RUN_RECORD_SCHEMA_VERSION,
      captured_at: `2025-01-0${(i % 9) + 1}T00:00:0${i % 10}Z`,
      task,
      status: failed ? 'error' : 'ok',
      config_sha256: 'c'.repeat(64),
      steps: [],
      actions: [
        {
          action: i % 3 === 0 ? `fs.write<${MARK}>` : 'fs.write',
          worker_id: 'worker-1',
          params: { path: task },
          ok: !failed,
          approved: false,
          denied: false,
          policy: {
            verdict: 'allowed',
            reason: task,
            approval: {
              required: false,
              approved: false,
              method: 'not-required',
              reason: 'no approval needed',
            },
          },
          payload: { error: task },
        },
      ],
      outputs: { review: { accepted: !failed, reasons: failed ? [task] : [] } },
      cache: { enabled: false, keys: [] },
    });
    await writeFile(path.join(dir, `${record.hash}.json`), serializeRunRecord(record));
  }
  const scan = await scanHistory(dir, { displayDir: 'history', useIndex: false, workers: 0 });
  expect(scan.problems).toEqual([]);
  const summary = summarizeHistory(scan.rows, { generatedAt: '2025-02-01T00:00:00Z' });
  return {
    html: renderHtml(summary),
    md: renderMarkdown(summary),
    csv: renderCsv(summary),
    json: renderJson(summary),
  };
}

/** Markdown with every code span removed: what a renderer would interpret. */
function outsideCodeSpans(line: string): string {
  return line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, '');
}

describe(`hostile task text in dashboards (seed ${SUITE_SEED}, ${RUNS} runs)`, () => {
  it('html, markdown, csv and json carry it inertly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(taskText, { minLength: 1, maxLength: 6 }), async (tasks) => {
        const { html, md, csv, json } = await renderAll(tasks);

        // Every real tag in the page is ours: none named by, or carrying, the input.
        const lower = html.toLowerCase();
        expect(lower).not.toMatch(/<(script|iframe|img|a|x-evil)[\s>/]|<!--/);
        for (const tag of lower.match(/<[a-z][^>]*>/g) ?? []) {
          expect(tag).not.toContain(MARK);
          expect(tag).not.toMatch(/\son[a-z]+=|javascript:/);
        }
        expect(lower.match(/<svg/g)?.length ?? 0).toBe(lower.match(/<\/svg>/g)?.length ?? 0);

        for (const line of md.split('\n')) {
          const live = outsideCodeSpans(line);
          expect(live, line).not.toContain(MARK);
          expect(live).not.toMatch(/javascript:|<script|\]\(/i);
        }

        const parsed = Papa.parse<string[]>(csv.trimEnd(), { skipEmptyLines: false });
        expect(parsed.errors).toEqual([]);
        for (const row of parsed.data.slice(1))
          for (const cell of row)
            expect(cell, `csv cell ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/);

        const summary = JSON.parse(json) as { records: Array<{ task: string }> };
        expect(summary.records.map((r) => r.task).sort()).toEqual([...tasks].sort());
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
  });
});
