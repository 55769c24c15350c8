import type { Ledger, LedgerEntry, LedgerKind, LedgerLocation } from './ledger.js';

type Pending = {
  record: { kind: LedgerKind; hash: string; captured_at: string };
  resolve: (e: LedgerEntry) => void;
  reject: (e: unknown) => void;
};

/**
 * Groups ledger appends from one busy process (a server) into batches: while
 * one batch is being written, new entries queue and go out together next,
 * each batch under one lock and one write. Order is arrival order. A batch
 * is made durable by an fsync outside the lock, while the next one is
 * written (at most one written batch waits for an fsync behind the running
 * one); each append resolves once its entry is durable.
 */
export class LedgerBatcher {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  /**
   * Settle when the last batch written, and the one before it, are durable
   * (or failed). Shared fsyncs finish in order, so `last` settling means
   * every earlier batch's has too.
   */
  private last: Promise<void> = Promise.resolve();
  private beforeLast: Promise<void> = Promise.resolve();

  constructor(private readonly ledger: Ledger) {}

  /** The ledger's file and lock (`Ledger.location`). */
  get location(): LedgerLocation {
    return this.ledger.location;
  }

  append(record: Pending['record']): Promise<LedgerEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** The ledger's text, as `Ledger.read` (entries still queued are not in it). */
  read(): Promise<string> {
    return this.ledger.read();
  }

  /** Resolves when everything queued so far is written and durable. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    await this.last;
  }

  /** `Ledger.removeDeadLockTokens`. */
  removeDeadLockTokens(): Promise<string[]> {
    return this.ledger.removeDeadLockTokens();
  }

  /** `Ledger.releaseLockToken`: after `flush`, when the process stops appending (a server closing). */
  releaseLockToken(): void {
    this.ledger.releaseLockToken();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // At most two written batches wait for fsyncs: batches grow with the load (one lock, one
        // tail read and one write each) instead of shrinking to one entry each.
        await this.beforeLast;
        const batch = this.queue;
        this.queue = [];
        try {
          // The next batch is written while this one's fsync runs; each resolves once durable.
          const { entries, durable } = await this.ledger.writeMany(batch.map((p) => p.record));
          this.beforeLast = this.last;
          this.last = durable.then(
            () => {
              for (const [i, p] of batch.entries()) p.resolve(entries[i]!);
            },
            (error: unknown) => {
              for (const p of batch) p.reject(error);
            },
          );
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
