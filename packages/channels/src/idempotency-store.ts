import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson, TEMP_PREFIX } from '@sdetkit/core-runs';
import { JsonlAppender } from './jsonl-appender.js';

export interface IdempotencyStoreOptions {
  /** How many keys it remembers (default 10,000); the oldest are forgotten first. */
  capacity?: number;
  /**
   * A JSONL file that keeps each key's first result (`{"key","result"}` per
   * line), so a retry after a restart still gets it. Read when the store is
   * made; rewritten with just the remembered keys once it holds twice as
   * many lines.
   */
  file?: string;
}

/**
 * Remembers deliveries by key so a retry (Slack `X-Slack-Retry-Num`, a
 * repeated Telegram `update_id`, a generic `Idempotency-Key`) gets the first
 * delivery's result instead of starting a second run. Bounded: the oldest
 * keys are forgotten first. With a `file`, results survive a restart: a
 * delivery is written down once its work has succeeded, so a crash before
 * that lets its retry run it again (at least once, never twice while
 * remembered).
 */
export class IdempotencyStore<T> {
  private readonly results = new Map<string, Promise<T>>();
  /** The results that have settled, for the file: in the order they did. */
  private readonly settled = new Map<string, T>();
  private readonly capacity: number;
  private readonly file: string | undefined;
  private readonly appender = new JsonlAppender();
  /** Lines in the file, to know when to rewrite it. */
  private lineCount = 0;
  duplicates = 0;

  constructor(options: number | IdempotencyStoreOptions = {}) {
    const { capacity = 10_000, file } = typeof options === 'number' ? { capacity: options } : options;
    this.capacity = capacity;
    this.file = file;
    if (file) this.load(file);
  }

  /** Runs `work` once per key; a repeated key waits for and returns the first result. */
  async once(key: string | null, work: () => Promise<T>): Promise<{ result: T; duplicate: boolean }> {
    if (key === null) return { result: await work(), duplicate: false };
    const existing = this.results.get(key);
    if (existing) {
      this.duplicates++;
      return { result: await existing, duplicate: true };
    }
    const pending = work();
    this.remember(key, pending);
    // A failed first delivery may be retried.
    pending.catch(() => this.results.delete(key));
    const result = await pending;
    if (this.file && this.results.get(key) === pending) this.writeDown(this.file, key, result);
    return { result, duplicate: false };
  }

  private remember(key: string, result: Promise<T>): void {
    this.results.set(key, result);
    if (this.results.size > this.capacity) {
      const oldest = this.results.keys().next().value as string;
      this.results.delete(oldest);
      this.settled.delete(oldest);
    }
  }

  /** Reads the file's entries in order; a line that is not a whole entry (a torn last write) is skipped. */
  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      this.lineCount++;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (entry === null || typeof entry !== 'object' || !('result' in entry)) continue;
      const { key, result } = entry as { key: unknown; result: T };
      if (typeof key !== 'string') continue;
      // Re-inserted so the newest entries are the last forgotten.
      this.results.delete(key);
      this.settled.delete(key);
      this.remember(key, Promise.resolve(result));
      this.settled.set(key, result);
    }
  }

  private writeDown(file: string, key: string, result: T): void {
    this.settled.set(key, result);
    // A line that cannot be written loses only the restart case: the key is still remembered in memory.
    if (this.lineCount >= 2 * this.capacity) {
      try {
        this.rewrite(file);
      } catch {}
      return;
    }
    this.appender.append(file, { key, result }).then(
      () => this.lineCount++,
      () => {},
    );
  }

  /**
   * Replaces the file with the remembered results that have settled, in one
   * synchronous write and a rename: no append can come in between. Results
   * still pending are appended when they settle.
   */
  private rewrite(file: string): void {
    let text = '';
    for (const [key, result] of this.settled) text += `${canonicalJson({ key, result })}\n`;
    const temp = path.join(path.dirname(file), `${TEMP_PREFIX}${path.basename(file)}.${process.pid}`);
    try {
      writeFileSync(temp, text);
      renameSync(temp, file);
      this.lineCount = this.settled.size;
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }
}
