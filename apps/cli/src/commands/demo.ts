import path from 'node:path';
import { ConfigStore, clockFromEnv, FileHistoryStore, recordRun, runTask } from '@sdetkit/core-runs';
import { buildDashboard } from '@sdetkit/dashboard-renderers';
import {
  AGENT_DIR,
  DEFAULT_HISTORY_DIR,
  DEFAULT_WORKDIR,
  loadAgentConfig,
  ValidationError,
} from '@sdetkit/policy';
import { runTemplate } from '@sdetkit/templates';
import { createAgentRuntime } from '../agent-runtime.js';
import { cliApprovalGate } from '../approval.js';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';
import { evidencePackCommand, verifyCommand } from './governance.js';
import { initCommand } from './init.js';

export const SCENARIOS = ['repo-enterprise-audit'] as const;

/** The smoke check of local-only mode: bootstrap, templates, runs, dashboard, evidence, verify. */
export async function demoCommand(opts: { scenario: string }): Promise<CommandResult> {
  if (!(SCENARIOS as readonly string[]).includes(opts.scenario)) {
    throw new ValidationError(
      `--scenario: unknown scenario ${opts.scenario} (available: ${SCENARIOS.join(', ')})`,
      '--scenario',
    );
  }
  const root = process.cwd();
  const configFile = `${AGENT_DIR}/config.yaml`;
  const { created } = (await initCommand({ config: configFile })).output as { created: string[] };
  const config = await loadAgentConfig(path.join(root, configFile), configFile);
  // Never prompts: the demo shows what policy does without a human.
  const gate = cliApprovalGate(false);
  const runtime = await createAgentRuntime({ workspaceRoot: root, approvalGate: gate });
  const clock = clockFromEnv();
  const catalog = await runtime.catalog();

  const templates = [];
  for (const id of ['repo-health-audit', 'security-governance-summary']) {
    const record = await runTemplate({
      template: catalog.get(id),
      workspaceRoot: root,
      config,
      registry: runtime.registry,
      approvalGate: gate,
      clock,
    });
    await runtime.ledger.append({ kind: 'template-run', hash: record.hash, captured_at: record.captured_at });
    templates.push({ id, status: record.status, artifacts: record.artifacts });
  }

  const history = await resolveFlagPath('history folder', DEFAULT_HISTORY_DIR);
  const store = new FileHistoryStore(history.absolute, history.relative);
  const tasks = [
    {
      task: 'action fs.write {"path":".sdetkit/agent/workdir/demo/hello.txt","content":"hello from sdetkit"}',
      expect: 'ok',
    },
    { task: 'template:report-dashboard', expect: 'ok' },
    { task: 'action fs.write {"path":"package.json","content":"overwritten by an agent"}', expect: 'error' },
    { task: 'action fs.read {"path":".sdetkit/agent/workdir/demo/does-not-exist.txt"}', expect: 'error' },
  ];
  const configs = new ConfigStore(path.join(root, AGENT_DIR));
  const runs = [];
  for (const { task, expect } of tasks) {
    const record = await runTask({
      task,
      workspaceRoot: root,
      config,
      registry: runtime.registry,
      planners: runtime.planners,
      approvalGate: gate,
      clock,
    });
    await recordRun(record, { config, configs, history: store, ledger: runtime.ledger });
    const denied = record.actions.some((a) => a.denied);
    runs.push({ task, status: record.status, hash: record.hash, expected: expect, denied_by_policy: denied });
  }
  templates.push({
    id: 'report-dashboard',
    status: runs[1]!.status,
    artifacts: [
      '.sdetkit/agent/template-runs/report-dashboard/dashboard.html',
      '.sdetkit/agent/template-runs/report-dashboard/dashboard.md',
    ],
  });

  const dashboard = await buildDashboard({
    history,
    format: 'html',
    output: await resolveFlagPath('dashboard', `${DEFAULT_WORKDIR}/agent-dashboard.html`),
    summaryOutput: await resolveFlagPath('summary', `${DEFAULT_WORKDIR}/agent-summary.md`),
  });
  const evidence = (await evidencePackCommand({ historyDir: DEFAULT_HISTORY_DIR })).output as {
    output: string;
    sha256: string;
  };
  const verify = (await verifyCommand({ historyDir: DEFAULT_HISTORY_DIR })).output as {
    ok: boolean;
    records: number;
  };

  const asExpected =
    runs.every((r) => r.status === r.expected) && templates.every((t) => t.status === 'ok') && verify.ok;
  return {
    output: {
      status: asExpected ? 'ok' : 'error',
      scenario: opts.scenario,
      created,
      templates,
      runs,
      artifacts: {
        dashboard: dashboard.output,
        markdown_summary: dashboard.markdown_summary,
        evidence_pack: evidence.output,
        evidence_sha256: evidence.sha256,
        history: DEFAULT_HISTORY_DIR,
        ledger: `${AGENT_DIR}/ledger.jsonl`,
      },
      verify: { ok: verify.ok, records: verify.records },
      dashboard_runs: dashboard.runs,
    },
    exitCode: asExpected ? 0 : 1,
  };
}
