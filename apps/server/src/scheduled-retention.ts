import path from 'node:path';
import { applyRetention, type RetentionResult } from '@sdetkit/core-runs';
import { AGENT_DIR, DEFAULT_CONVERSATIONS_DIR } from '@sdetkit/policy';
import type { TenantWorkspace } from './tenant-workspace.js';

export interface RetentionSchedule {
  /** Remove run records, template runs and conversations older than this. */
  maxAgeSeconds: number;
  /** Always keep each tenant's newest N run records. */
  keepLast?: number;
  /** Seconds between sweeps (default one hour); the first runs when the server starts listening. */
  intervalSeconds?: number;
}

/**
 * One retention sweep over a tenant's workspace, the same rules as
 * `sdetkit agent retention apply`: pruned runs get a ledger tombstone
 * (through the server's batcher, so it stays ordered with new runs).
 */
export function sweepWorkspace(
  workspace: TenantWorkspace,
  schedule: RetentionSchedule,
  now: Date,
): Promise<RetentionResult> {
  return applyRetention(
    {
      maxAgeSeconds: schedule.maxAgeSeconds,
      ...(schedule.keepLast !== undefined ? { keepLast: schedule.keepLast } : {}),
    },
    {
      history: workspace.history,
      ledger: workspace.ledger,
      templateRunsDir: {
        absolute: path.join(workspace.agentDir, 'template-runs'),
        relative: `${AGENT_DIR}/template-runs`,
      },
      conversationsDir: {
        absolute: path.join(workspace.root, DEFAULT_CONVERSATIONS_DIR),
        relative: DEFAULT_CONVERSATIONS_DIR,
      },
    },
    { now, dryRun: false },
  );
}
