import type { AgentConfig } from '@sdetkit/policy';
import type { ConfigStore } from './config-store.js';
import type { HistoryStore } from './history-store.js';
import { checkLedger, type Ledger, type LedgerLocation } from './ledger.js';
import type { RunRecord } from './run-record.js';

/** History stores `recordRun` has already recovered in this process. */
const recoveredStores = new WeakSet<HistoryStore>();

/**
 * Saves a run the way every caller does (CLI commands, the server): the
 * config snapshot first (so the run can be replayed), then the record and,
 * when the record is new, its ledger entry.
 */
export async function recordRun(
  record: RunRecord,
  options: {
    config: AgentConfig;
    configs: ConfigStore;
    history: HistoryStore;
    /**
     * A `Ledger`, or the server's `LedgerBatcher`. With its `location`, a
     * history store whose writer can log and publish (the server's
     * `ThreadedFileWriter`) writes the entry itself.
     */
    ledger: Pick<Ledger, 'append' | 'read'> &
      Partial<Pick<Ledger, 'removeDeadLockTokens'>> & { location?: LedgerLocation };
  },
): Promise<void> {
  // Before the first record of each store: finish what killed processes left behind.
  const { history } = options;
  if (history.recoverPending && !recoveredStores.has(history)) {
    recoveredStores.add(history);
    await recoverInterruptedRuns({ recoverPending: history.recoverPending.bind(history) }, options.ledger);
  }
  await options.configs.save(options.config);
  const entry = { kind: 'run' as const, hash: record.hash, captured_at: record.captured_at };
  if (!history.stage) {
    const saved = await history.save(record);
    if (saved.created) await options.ledger.append(entry);
    return;
  }
  // The ledger entry is the commit point: the record is staged out of sight,
  // the entry is written, then the record is published. A kill anywhere
  // leaves either nothing visible or a staged record that recovery
  // publishes (its entry exists) or drops.
  const location = options.ledger.location;
  const staged = await history.stage(record, location ? { ledger: location } : {});
  if (!staged.created || staged.published) return;
  try {
    await options.ledger.append(entry);
  } catch (error) {
    await staged.abort();
    throw error;
  }
  await staged.commit();
}

/**
 * Publishes or drops the records that killed processes staged (see
 * `FileHistoryStore.recoverPending`), reading the ledger only when needed,
 * and removes the lock token files they left (`tokensRemoved`, when the
 * ledger can: `Ledger.removeDeadLockTokens`).
 */
export async function recoverInterruptedRuns(
  history: Required<Pick<HistoryStore, 'recoverPending'>>,
  ledger: Pick<Ledger, 'read'> & Partial<Pick<Ledger, 'removeDeadLockTokens'>>,
): Promise<{ recovered: string[]; discarded: number; tokensRemoved: string[] }> {
  const result = await history.recoverPending(async () => checkLedger(await ledger.read()).runs);
  const tokensRemoved = (await ledger.removeDeadLockTokens?.()) ?? [];
  return { ...result, tokensRemoved };
}
