import type { OutgoingReply, ReplyOutcome, ReplySender } from './outgoing-reply.js';
import { postReply, type ReplyHttpOptions } from './reply-http.js';

export interface SlackReplyOptions extends ReplyHttpOptions {
  /** A bot token (`xoxb-...`) from `SDETKIT_SLACK_BOT_TOKEN`; never logged or recorded. */
  botToken: string;
  /** Default `https://slack.com/api`; tests point it at a local fake. */
  apiBase?: string;
}

/** Slack `chat.postMessage` in the thread the message started (or belongs to). */
export class SlackReplySender implements ReplySender {
  constructor(private readonly options: SlackReplyOptions) {}

  send(reply: OutgoingReply): Promise<ReplyOutcome> {
    const base = (this.options.apiBase ?? 'https://slack.com/api').replace(/\/+$/, '');
    return postReply(
      `${base}/chat.postMessage`,
      {
        headers: { authorization: `Bearer ${this.options.botToken}` },
        body: {
          channel: reply.target,
          text: reply.text,
          ...(reply.thread !== null ? { thread_ts: reply.thread } : {}),
        },
      },
      (status, headers, body) => {
        const answer = (body ?? {}) as { ok?: boolean; ts?: string; error?: string };
        if (status === 200 && answer.ok === true)
          return { kind: 'sent', platform_message_id: answer.ts ?? null };
        const error = `slack ${status}: ${answer.error ?? 'no error code'}`;
        if (status === 429 || answer.error === 'ratelimited') {
          const after = Number(headers.get('retry-after'));
          return { kind: 'retry', after_s: Number.isFinite(after) && after > 0 ? after : null, error };
        }
        return { kind: 'failed', error };
      },
      this.options,
    );
  }
}
