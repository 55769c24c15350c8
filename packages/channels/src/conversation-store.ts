import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson } from '@sdetkit/core-runs';
import { safeFileName } from './safe-file-name.js';

export interface ConversationLine {
  received_at: string;
  channel: string;
  user_id: string;
  conversation_id: string;
  message_id: string | null;
  text: string;
  status: 'ok' | 'error' | 'rate_limited';
  hash: string | null;
  duplicate?: boolean;
}

/** Where conversation lines go; a database can implement this later. */
export interface ConversationStore {
  append(line: ConversationLine): Promise<void>;
  /** Resolves when every append started so far is on disk. */
  drain(): Promise<void>;
}

/**
 * `conversations/<channel>/<user>.jsonl`, one line per event. Appends to one
 * file are queued in order and each line is a single O_APPEND write, so
 * concurrent requests never interleave, lose or rewrite lines. File names
 * are sanitized (no traversal through user ids).
 */
export class FileConversationStore implements ConversationStore {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  fileFor(channel: string, userId: string): string {
    return path.join(this.dir, safeFileName(channel), `${safeFileName(userId)}.jsonl`);
  }

  append(line: ConversationLine): Promise<void> {
    const file = this.fileFor(line.channel, line.user_id);
    const previous = this.queues.get(file) ?? Promise.resolve();
    const next = previous.then(async () => {
      await mkdir(path.dirname(file), { recursive: true });
      const handle = await open(file, 'a');
      try {
        await handle.write(`${canonicalJson(line)}\n`);
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

  async drain(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }
}
