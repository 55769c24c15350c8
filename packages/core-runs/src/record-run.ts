import type { AgentConfig } from '@sdetkit/policy';
import type { ConfigStore } from './config-store.js';
import type { HistoryStore } from './history-store.js';
import type { Ledger } from './ledger.js';
import type { RunRecord } from './run-record.js';

/**
 * Saves a run the way every caller does (CLI commands, the server): the
 * config snapshot first (so the run can be replayed), then the record, then
 * a ledger entry when the record is new.
 */
export async function recordRun(
  record: RunRecord,
  options: {
    config: AgentConfig;
    configs: ConfigStore;
    history: HistoryStore;
    /** A `Ledger`, or the server's `LedgerBatcher`. */
    ledger: Pick<Ledger, 'append'>;
  },
): Promise<void> {
  await options.configs.save(options.config);
  const saved = await options.history.save(record);
  if (saved.created)
    await options.ledger.append({ kind: 'run', hash: record.hash, captured_at: record.captured_at });
}
