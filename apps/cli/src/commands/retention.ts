import path from 'node:path';
import { applyRetention, clockFromEnv, FileHistoryStore, Ledger, parseDuration } from '@sdetkit/core-runs';
import { AGENT_DIR, DEFAULT_CONVERSATIONS_DIR } from '@sdetkit/policy';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

export interface RetentionOptions {
  maxAge?: string;
  keepLast?: number;
  dryRun?: boolean;
  historyDir: string;
}

/** Prunes history (with ledger tombstones), template runs and conversations; prints what it removed. */
export async function retentionApplyCommand(opts: RetentionOptions): Promise<CommandResult> {
  const history = await resolveFlagPath('--history-dir', opts.historyDir);
  const agent = await resolveFlagPath('agent folder', AGENT_DIR);
  const templateRuns = await resolveFlagPath('template runs', `${AGENT_DIR}/template-runs`);
  const conversations = await resolveFlagPath('conversations', DEFAULT_CONVERSATIONS_DIR);
  const result = await applyRetention(
    {
      ...(opts.maxAge !== undefined ? { maxAgeSeconds: parseDuration(opts.maxAge) } : {}),
      ...(opts.keepLast !== undefined ? { keepLast: opts.keepLast } : {}),
    },
    {
      history: new FileHistoryStore(history.absolute, history.relative),
      ledger: new Ledger(path.join(agent.absolute)),
      templateRunsDir: templateRuns,
      conversationsDir: conversations,
    },
    { now: clockFromEnv()(), dryRun: opts.dryRun === true },
  );
  return { output: result, exitCode: 0 };
}
