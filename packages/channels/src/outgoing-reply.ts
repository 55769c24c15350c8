import type { RouteResult } from './channel-router.js';
import type { InboundEvent } from './inbound-event.js';

/** Where and what to answer: the chat (and thread) the event came from. */
export interface OutgoingReply {
  channel: 'telegram' | 'slack';
  /** Telegram chat id or Slack channel id. */
  target: string;
  /** Telegram forum topic (`message_thread_id`) or Slack `thread_ts`. */
  thread: string | null;
  /** The platform message this answers. */
  in_reply_to: string | null;
  text: string;
}

export interface ReplyOutcome {
  status: 'sent' | 'simulated' | 'failed';
  /** Requests made (0 when simulated). */
  attempts: number;
  /** The platform's id for the posted message, when it gave one. */
  platform_message_id: string | null;
  error: string | null;
}

/** Posts replies to one platform; implementations never log or return secrets. */
export interface ReplySender {
  send(reply: OutgoingReply): Promise<ReplyOutcome>;
}

/** The answer a chat gets for a routed event. Deterministic: status, short hash, retry time. */
export function replyText(result: RouteResult): string {
  const short = result.hash?.slice(0, 12) ?? '';
  if (result.status === 'rate_limited')
    return `sdetkit: rate limit reached, try again in ${Math.max(1, Math.ceil(result.rate.retry_after_s))}s.`;
  if (result.status === 'ok') return `sdetkit: run ${short} finished ok.`;
  return `sdetkit: run ${short} finished with errors.`;
}

/** The reply for a Telegram or Slack event; null for channels that take no replies (generic webhooks). */
export function replyFor(event: InboundEvent, result: RouteResult): OutgoingReply | null {
  const meta = event.metadata;
  if (event.channel === 'telegram' && meta.chat_id !== undefined) {
    return {
      channel: 'telegram',
      target: String(meta.chat_id),
      thread: meta.message_thread_id === undefined ? null : String(meta.message_thread_id),
      in_reply_to: event.message_id,
      text: replyText(result),
    };
  }
  if (event.channel === 'slack' && typeof meta.slack_channel === 'string') {
    return {
      channel: 'slack',
      target: meta.slack_channel,
      thread: typeof meta.thread_ts === 'string' ? meta.thread_ts : null,
      in_reply_to: event.message_id,
      text: replyText(result),
    };
  }
  return null;
}
