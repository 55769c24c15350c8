import { ConfigStore, type FileHistoryStore, type Ledger, type RunRecord } from '@sdetkit/core-runs';
import type { AgentConfig } from '@sdetkit/policy';

/**
 * Saves a run the way every command does: the config snapshot first (so the
 * run can be replayed), then the record, then a ledger entry for a new record.
 */
export async function recordRun(
  record: RunRecord,
  options: { config: AgentConfig; agentDir: string; store: FileHistoryStore; ledger: Ledger },
): Promise<void> {
  await new ConfigStore(options.agentDir).save(options.config);
  const saved = await options.store.save(record);
  if (saved.created)
    await options.ledger.append({ kind: 'run', hash: record.hash, captured_at: record.captured_at });
}
