import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createBuiltinRegistry, runTask } from '@sdetkit/core-runs';
import { createApprovalGate, defaultAgentConfig } from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDashboard, DASHBOARD_FORMATS, defaultDashboardOutput } from './dashboard-build.js';
import { reportBuildAction } from './report-build-action.js';
import { createHistoryFixture, SAMPLE_RUNS } from './testing/history-fixture.js';

let fixture: Awaited<ReturnType<typeof createHistoryFixture>>;
beforeEach(async () => {
  fixture = await createHistoryFixture(SAMPLE_RUNS);
});
afterEach(() => fixture.cleanup());

describe('buildDashboard', () => {
  it.each(DASHBOARD_FORMATS)('writes %s byte-identically on a second build', async (format) => {
    const options = {
      history: fixture.file('.sdetkit/agent/history'),
      format,
      output: fixture.file(defaultDashboardOutput(format)),
      summaryOutput: fixture.file('.sdetkit/agent/workdir/agent-summary.md'),
    };
    const first = await buildDashboard(options);
    const bytes = await readFile(options.output.absolute);
    const second = await buildDashboard(options);
    expect(await readFile(options.output.absolute)).toEqual(bytes);
    expect(second.sha256).toBe(first.sha256);
    expect(first).toMatchObject({
      status: 'ok',
      format,
      output: defaultDashboardOutput(format),
      runs: { total: 5 },
    });
    expect(first.markdown_summary).toBe(format === 'html' ? '.sdetkit/agent/workdir/agent-summary.md' : null);
  });

  it('writes the markdown summary next to the html dashboard', async () => {
    await buildDashboard({
      history: fixture.file('.sdetkit/agent/history'),
      format: 'html',
      output: fixture.file('out/d.html'),
      summaryOutput: fixture.file('out/s.md'),
    });
    expect(await readFile(path.join(fixture.root, 'out/s.md'), 'utf8')).toContain(
      '# sdetkit agent dashboard',
    );
  });

  it('includes a generated-at line only when asked', async () => {
    const build = (generatedAt?: string) =>
      buildDashboard({
        history: fixture.file('.sdetkit/agent/history'),
        format: 'md',
        output: fixture.file('d.md'),
        ...(generatedAt ? { generatedAt } : {}),
      }).then(() => readFile(path.join(fixture.root, 'd.md'), 'utf8'));
    expect(await build()).not.toContain('Generated at');
    expect(await build('2024-04-01T00:00:00Z')).toContain('Generated at 2024-04-01T00:00:00Z.');
  });
});

describe('report.build action', () => {
  it('builds the dashboard from an agent run under policy and records its artifacts', async () => {
    const registry = createBuiltinRegistry().register(reportBuildAction);
    const record = await runTask({
      task: 'build the report',
      workspaceRoot: fixture.root,
      config: defaultAgentConfig(),
      registry,
      approvalGate: createApprovalGate(),
    });
    expect(record.status).toBe('ok');
    expect(record.actions[0]).toMatchObject({ action: 'report.build', ok: true });
    expect(record.outputs.artifacts).toEqual([
      '.sdetkit/agent/workdir/agent-dashboard.html',
      '.sdetkit/agent/workdir/agent-summary.md',
    ]);
  });

  it('is denied when its output is outside the write allowlist', async () => {
    const registry = createBuiltinRegistry().register(reportBuildAction);
    const record = await runTask({
      task: 'action report.build {"format":"md","output":"docs/dashboard.md"}',
      workspaceRoot: fixture.root,
      config: defaultAgentConfig(),
      registry,
      approvalGate: createApprovalGate({ approveAll: true }),
    });
    expect(record.actions[0]).toMatchObject({ denied: true });
    expect(record.actions[0]!.policy.reason).toMatch(/^write denied by allowlist/);
  });
});
