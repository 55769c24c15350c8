import path from 'node:path';
import { JsonlAppender } from './jsonl-appender.js';
import type { OutgoingReply, ReplyOutcome } from './outgoing-reply.js';
import { safeFileName } from './safe-file-name.js';

export interface ReplyLine extends OutgoingReply, ReplyOutcome {
  at: string;
  /** The run the reply reports on (null when rate-limited). */
  hash: string | null;
}

/** `replies/<channel>.jsonl`: every reply sent, simulated or failed, in order. Never secrets. */
export class ReplyLog {
  private readonly lines = new JsonlAppender();

  constructor(private readonly dir: string) {}

  fileFor(channel: string): string {
    return path.join(this.dir, `${safeFileName(channel)}.jsonl`);
  }

  append(line: ReplyLine): Promise<void> {
    return this.lines.append(this.fileFor(line.channel), line);
  }

  drain(): Promise<void> {
    return this.lines.drain();
  }
}
