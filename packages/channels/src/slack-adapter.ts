import { z } from 'zod';
import type { AdapterRequest, AdapterResult } from './inbound-event.js';
import { issueText } from './issue-text.js';
import { hmacHex, readJsonObject, safeEqual } from './verification.js';

export const SLACK_TIMESTAMP_WINDOW_SECONDS = 300;

const SLACK_ID_MAX = 100;

const eventSchema = z.object({
  type: z.string(),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
  // Slack ids and timestamps are short; bounded so user and conversation ids fit the event schema (256).
  user: z.string().max(SLACK_ID_MAX).optional(),
  text: z.string().max(16_384).optional(),
  channel: z.string().max(SLACK_ID_MAX).optional(),
  ts: z.string().max(SLACK_ID_MAX).optional(),
  thread_ts: z.string().max(SLACK_ID_MAX).optional(),
});

/**
 * `POST /webhook/slack`: Slack Events API. The v0 signature (HMAC of
 * `v0:<timestamp>:<raw body>`) is checked first, in constant time, with a
 * five-minute timestamp window; only then is the body read. Answers
 * `url_verification`; normalizes `message` and `app_mention` events by
 * thread (`thread_ts` or `ts`); ignores bot messages.
 */
export function slackAdapter(
  request: AdapterRequest,
  options: { signingSecret: string | undefined },
): AdapterResult {
  if (!options.signingSecret)
    return { kind: 'reject', status: 403, error: 'slack is not configured (SDETKIT_SLACK_SIGNING_SECRET)' };
  const timestamp = request.headers['x-slack-request-timestamp'] ?? '';
  const signature = request.headers['x-slack-signature'] ?? '';
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(request.now - ts) > SLACK_TIMESTAMP_WINDOW_SECONDS) {
    return { kind: 'reject', status: 401, error: 'invalid or stale request timestamp' };
  }
  const expected = `v0=${hmacHex(options.signingSecret, Buffer.concat([Buffer.from(`v0:${timestamp}:`), request.raw]))}`;
  if (!safeEqual(signature, expected)) return { kind: 'reject', status: 401, error: 'invalid signature' };

  const read = readJsonObject(request.raw);
  if ('error' in read) return { kind: 'reject', status: 400, error: read.error };
  const body = read.value;
  if (body.type === 'url_verification') {
    return typeof body.challenge === 'string'
      ? { kind: 'reply', status: 200, body: { challenge: body.challenge } }
      : { kind: 'reject', status: 400, error: 'url_verification without challenge' };
  }
  if (body.type !== 'event_callback') return { kind: 'ignore', reason: `event type ${String(body.type)}` };
  const parsed = eventSchema.safeParse(body.event);
  if (!parsed.success)
    return {
      kind: 'reject',
      status: 400,
      error: `event_callback without a valid event: ${issueText(parsed.error.issues[0]!, 'event')}`,
    };
  const event = parsed.data;
  if (event.bot_id || event.subtype === 'bot_message') return { kind: 'ignore', reason: 'bot message' };
  if (event.type !== 'message' && event.type !== 'app_mention')
    return { kind: 'ignore', reason: `event ${event.type}` };
  if (event.subtype) return { kind: 'ignore', reason: `message subtype ${event.subtype}` };
  if (!event.user || event.text === undefined || !event.channel || !event.ts) {
    return { kind: 'reject', status: 400, error: 'message event without user, text, channel or ts' };
  }
  if (typeof body.team_id === 'string' && body.team_id.length > SLACK_ID_MAX)
    return { kind: 'reject', status: 400, error: 'team_id too long' };
  const team = typeof body.team_id === 'string' ? body.team_id : 'team';
  const thread = event.thread_ts ?? event.ts;
  return {
    kind: 'event',
    event: {
      channel: 'slack',
      user_id: `${team}:${event.user}`,
      conversation_id: `${event.channel}:${thread}`,
      // Mentions arrive as "<@U123> do x": the bot mention is not part of the task.
      text: event.text.replace(/^\s*<@[A-Z0-9]+>\s*/, ''),
      message_id: event.ts,
      metadata: { slack_channel: event.channel, thread_ts: thread, event_type: event.type },
    },
    idempotencyKey: typeof body.event_id === 'string' ? `slack:${body.event_id}` : null,
  };
}
