import type { OutgoingReply, ReplyOutcome, ReplySender } from './outgoing-reply.js';
import { postReply, type ReplyHttpOptions } from './reply-http.js';

export interface TelegramReplyOptions extends ReplyHttpOptions {
  /** From `SDETKIT_TELEGRAM_BOT_TOKEN`; never logged or recorded. */
  botToken: string;
  /** Default `https://api.telegram.org`; tests point it at a local fake. */
  apiBase?: string;
}

/** Telegram `sendMessage` into the chat (and forum topic) the message came from, as a reply to it. */
export class TelegramReplySender implements ReplySender {
  constructor(private readonly options: TelegramReplyOptions) {}

  send(reply: OutgoingReply): Promise<ReplyOutcome> {
    const base = (this.options.apiBase ?? 'https://api.telegram.org').replace(/\/+$/, '');
    return postReply(
      `${base}/bot${this.options.botToken}/sendMessage`,
      {
        headers: {},
        body: {
          chat_id: reply.target,
          text: reply.text,
          ...(reply.thread !== null ? { message_thread_id: Number(reply.thread) } : {}),
          ...(reply.in_reply_to !== null
            ? {
                reply_parameters: {
                  message_id: Number(reply.in_reply_to),
                  allow_sending_without_reply: true,
                },
              }
            : {}),
        },
      },
      (status, _headers, body) => {
        const answer = (body ?? {}) as {
          ok?: boolean;
          result?: { message_id?: number };
          error_code?: number;
          description?: string;
          parameters?: { retry_after?: number };
        };
        if (status === 200 && answer.ok === true)
          return {
            kind: 'sent',
            platform_message_id:
              answer.result?.message_id === undefined ? null : String(answer.result.message_id),
          };
        const error = `telegram ${answer.error_code ?? status}: ${answer.description ?? 'no description'}`;
        if (status === 429) return { kind: 'retry', after_s: answer.parameters?.retry_after ?? null, error };
        return { kind: 'failed', error };
      },
      this.options,
    );
  }
}
