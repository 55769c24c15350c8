import path from 'node:path';
import { JsonlAppender } from './jsonl-appender.js';
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
  private readonly lines = new JsonlAppender();

  constructor(private readonly dir: string) {}

  fileFor(channel: string, userId: string): string {
    return path.join(this.dir, safeFileName(channel), `${safeFileName(userId)}.jsonl`);
  }

  append(line: ConversationLine): Promise<void> {
    return this.lines.append(this.fileFor(line.channel, line.user_id), line);
  }

  drain(): Promise<void> {
    return this.lines.drain();
  }
}
