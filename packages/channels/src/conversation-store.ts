import path from 'node:path';
import { folderPrefix } from '@sdetkit/core-runs';
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
  /** `dir` normalized once, with a separator: safe names need no path.join per line. */
  private readonly prefix: string;

  constructor(dir: string) {
    this.prefix = folderPrefix(dir);
  }

  fileFor(channel: string, userId: string): string {
    return `${this.prefix}${safeFileName(channel)}${path.sep}${safeFileName(userId)}.jsonl`;
  }

  append(line: ConversationLine): Promise<void> {
    return this.lines.append(this.fileFor(line.channel, line.user_id), line);
  }

  drain(): Promise<void> {
    return this.lines.drain();
  }
}
