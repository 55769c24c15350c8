import type { Ledger, LedgerEntry, LedgerKind } from './ledger.js';

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
 * written; each append resolves once its entry is durable.
 */
export class LedgerBatcher {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  /** fsyncs of written batches not yet finished. */
  private readonly syncing = new Set<Promise<void>>();

  constructor(private readonly ledger: Ledger) {}

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
    await Promise.allSettled([...this.syncing]);
  }

  /** `Ledger.releaseLockToken`: after `flush`, when the process stops appending (a server closing). */
  releaseLockToken(): void {
    this.ledger.releaseLockToken();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          // The next batch is written while this one's fsync runs; each resolves once durable.
          const { entries, durable } = await this.ledger.writeMany(batch.map((p) => p.record));
          this.syncing.add(durable);
          durable.then(
            () => {
              this.syncing.delete(durable);
              for (const [i, p] of batch.entries()) p.resolve(entries[i]!);
            },
            (error: unknown) => {
              this.syncing.delete(durable);
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
