import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  FileHistoryStore,
  formatCapturedAt,
  Ledger,
  recoverInterruptedRuns,
  replayRun,
  verifyHistory,
  writeFileAtomic,
} from '@sdetkit/core-runs';
import { loadDashboardSummary, parseTimeWindow } from '@sdetkit/dashboard-renderers';
import { buildEvidencePack, controlsSnapshot, verifyEvidencePack } from '@sdetkit/governance';
import {
  AGENT_DIR,
  type AgentConfig,
  DEFAULT_HISTORY_DIR,
  DEFAULT_WORKDIR,
  defaultAgentConfig,
  loadAgentConfig,
  ValidationError,
} from '@sdetkit/policy';
import { composeAgentRuntime, createAgentRuntime, loadActionPackages } from '../agent-runtime.js';
import { cliApprovalGate } from '../approval.js';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

export const DEFAULT_EVIDENCE_OUTPUT = `${DEFAULT_WORKDIR}/evidence-pack.tar`;

async function verifyWorkspace(historyDir: string) {
  const history = await resolveFlagPath('--history-dir', historyDir);
  const agent = await resolveFlagPath('agent folder', AGENT_DIR);
  const ledger = new Ledger(agent.absolute);
  // Finish runs a killed process staged but did not publish (their ledger entry is written).
  const { recovered, tokensRemoved } = await recoverInterruptedRuns(
    new FileHistoryStore(history.absolute, history.relative),
    ledger,
  );
  const result = await verifyHistory({
    historyDir: history.absolute,
    displayHistoryDir: history.relative,
    ledgerText: await ledger.read(),
    displayLedger: `${agent.relative}/ledger.jsonl`,
  });
  // Lock token files left by killed processes, named as the workspace shows them.
  const tokens = tokensRemoved.map((name) => `${agent.relative}/${name}`);
  return { result, recovered, tokens };
}

/** Recomputes every record hash and checks the ledger chain; exit 1 on any problem. */
export async function verifyCommand(opts: { historyDir: string }): Promise<CommandResult> {
  const { result, recovered, tokens } = await verifyWorkspace(opts.historyDir);
  return {
    output: result,
    exitCode: result.ok ? 0 : 1,
    notes: [
      ...recovered.map((hash) => `verify: published interrupted run ${hash} (its ledger entry was written)`),
      ...tokens.map((file) => `verify: removed ${file}, a lock token a killed process left`),
      ...result.problems.map((p) => `verify: ${p.kind}: ${p.file}: ${p.detail}`),
    ],
  };
}

/** Re-executes a recorded run in a scratch copy and compares; exit 1 on mismatch, 2 for an unknown hash. */
export async function replayCommand(hash: string, opts: { historyDir: string }): Promise<CommandResult> {
  const root = process.cwd();
  const history = await resolveFlagPath('--history-dir', opts.historyDir);
  const agent = await resolveFlagPath('agent folder', AGENT_DIR);
  const packages = await loadActionPackages();
  const result = await replayRun({
    hash,
    workspaceRoot: root,
    agentDir: agent.absolute,
    history: new FileHistoryStore(history.absolute, history.relative),
    runtime: (workspaceRoot, gate) => composeAgentRuntime({ workspaceRoot, approvalGate: gate }, packages),
  });
  const diff = result.first_difference;
  return {
    output: result,
    exitCode: result.result === 'match' ? 0 : 1,
    notes: diff
      ? [
          `replay mismatch at ${diff.field}: recorded ${JSON.stringify(diff.recorded)?.slice(0, 200)}, replayed ${JSON.stringify(diff.replayed)?.slice(0, 200)}`,
        ]
      : [],
  };
}

async function configOrDefaults(root: string): Promise<AgentConfig> {
  const file = path.join(root, AGENT_DIR, 'config.yaml');
  return (await stat(file).then(
    () => true,
    () => false,
  ))
    ? loadAgentConfig(file, `${AGENT_DIR}/config.yaml`)
    : defaultAgentConfig();
}

export interface EvidenceOptions {
  since?: string;
  until?: string;
  output?: string;
  historyDir: string;
}

/** Writes the evidence pack for a period; prints its sha256. */
export async function evidencePackCommand(opts: EvidenceOptions): Promise<CommandResult> {
  const root = process.cwd();
  const window = parseTimeWindow(opts.since, opts.until);
  const history = await resolveFlagPath('--history-dir', opts.historyDir);
  const output = await resolveFlagPath('--output', opts.output ?? DEFAULT_EVIDENCE_OUTPUT);
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const generatedAt = epoch && /^\d+$/.test(epoch) ? formatCapturedAt(new Date(Number(epoch) * 1000)) : null;
  const summary = await loadDashboardSummary(history, { window, generatedAt, allowMissingHistory: true });
  const runtime = await createAgentRuntime({ workspaceRoot: root, approvalGate: cliApprovalGate(false) });
  const pack = await buildEvidencePack({
    summary,
    controls: await controlsSnapshot(
      root,
      await configOrDefaults(root),
      (summary.window.until ?? generatedAt ?? formatCapturedAt(new Date())).slice(0, 10),
    ),
    templates: (await runtime.catalog()).list(),
    verify: (await verifyWorkspace(opts.historyDir)).result,
  });
  await writeFileAtomic(output.absolute, pack.archive);
  return {
    output: {
      status: 'ok',
      output: output.relative,
      sha256: pack.sha256,
      files: pack.files,
      window: summary.window,
      runs: summary.runs.total,
    },
    exitCode: 0,
  };
}

export async function evidenceVerifyCommand(file: string): Promise<CommandResult> {
  const pack = await resolveFlagPath('pack', file);
  let data: Buffer;
  try {
    data = await readFile(pack.absolute);
  } catch (error) {
    throw new ValidationError(
      `${pack.relative}: cannot read pack (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const result = await verifyEvidencePack(data);
  return {
    output: { ...result, pack: pack.relative },
    exitCode: result.ok ? 0 : 1,
    notes: result.problems.map((p) => `evidence verify: ${p}`),
  };
}

export { DEFAULT_HISTORY_DIR };
