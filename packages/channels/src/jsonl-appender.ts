import { canonicalJson, openCreating } from '@sdetkit/core-runs';

/**
 * Appends canonical JSON lines to files. Appends to one file are queued in
 * order and each line is a single O_APPEND write, so concurrent callers never
 * interleave, lose or rewrite lines.
 */
export class JsonlAppender {
  private readonly queues = new Map<string, Promise<void>>();

  append(file: string, value: unknown): Promise<void> {
    const previous = this.queues.get(file) ?? Promise.resolve();
    const next = previous.then(async () => {
      const handle = await openCreating(file, 'a');
      try {
        await handle.write(`${canonicalJson(value)}\n`);
      } finally {
        await handle.close();
      }
    });
    const tracked = next.catch(() => {});
    this.queues.set(file, tracked);
    void tracked.then(() => {
      if (this.queues.get(file) === tracked) this.queues.delete(file);
    });
    return next;
  }

  /** Resolves when every append started so far is on disk. */
  async drain(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }
}
