import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, loadDashboardSummary } from '../src/dashboard-build.js';
import { formatRate } from '../src/render-markdown.js';
import { createHistoryFixture, SAMPLE_RUNS } from '../src/testing/history-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

let browser: Browser;
let fixture: Awaited<ReturnType<typeof createHistoryFixture>>;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (npm test does this as root via scripts/ensure-chromium.sh)`,
    );
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  fixture = await createHistoryFixture([
    ...SAMPLE_RUNS,
    {
      task: '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>',
      captured_at: '2024-03-03T10:00:00Z',
      status: 'error',
    },
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.cleanup();
});

describe('html dashboard in a real browser', () => {
  it('shows the same numbers as the JSON summary, renders the charts and runs no injected script', async () => {
    const history = fixture.file('.sdetkit/agent/history');
    const output = fixture.file('.sdetkit/agent/workdir/agent-dashboard.html');
    await buildDashboard({ history, format: 'html', output, summaryOutput: fixture.file('s.md') });
    const summary = await loadDashboardSummary(history);

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    const requests: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(pathToFileURL(output.absolute).href);

    expect(await page.textContent('[data-testid=total-runs]')).toBe(String(summary.runs.total));
    expect(await page.textContent('[data-testid=success-rate]')).toBe(formatRate(summary.runs.success_rate));
    const failureHashes = await page.$$eval('[data-testid=failure-hash]', (els) =>
      els.map((e) => e.textContent),
    );
    expect(failureHashes).toContain(summary.failures[0]!.hash);
    expect(failureHashes).toHaveLength(summary.failures.length);

    const charts = await page.$$eval('svg.chart', (els) =>
      els.map((e) => {
        const box = e.getBoundingClientRect();
        return {
          width: box.width,
          height: box.height,
          shapes: e.querySelectorAll('rect, circle, polyline').length,
        };
      }),
    );
    expect(charts).toHaveLength(3);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(0);
      expect(chart.height).toBeGreaterThan(0);
      expect(chart.shapes).toBeGreaterThan(0);
    }

    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.$$('script')).toHaveLength(0);
    expect(requests).toEqual([]);
    expect(await page.textContent('body')).toContain('<script>window.__pwned=2</script>');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-dark.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
