import { z } from 'zod';
import type { AdapterRequest, AdapterResult } from './inbound-event.js';
import { issueText } from './issue-text.js';
import { readJsonObject, safeEqual } from './verification.js';

const messageSchema = z.object({
  message_id: z.number(),
  text: z.string().max(16_384),
  chat: z.object({ id: z.number() }),
  from: z.object({ id: z.number(), is_bot: z.boolean().optional() }),
  message_thread_id: z.number().optional(),
});

const updateSchema = z.object({
  update_id: z.number(),
  message: messageSchema.optional(),
  edited_message: messageSchema.optional(),
});

/**
 * `POST /webhook/telegram`: a Telegram Update (`message` or `edited_message`
 * with text). The user is the sender (`from.id`) inside the chat; the secret
 * token header is checked in constant time when configured.
 */
export function telegramAdapter(
  request: AdapterRequest,
  options: { secretToken?: string | undefined } = {},
): AdapterResult {
  if (
    options.secretToken &&
    !safeEqual(request.headers['x-telegram-bot-api-secret-token'] ?? '', options.secretToken)
  ) {
    return { kind: 'reject', status: 401, error: 'invalid or missing secret token' };
  }
  const read = readJsonObject(request.raw);
  if ('error' in read) return { kind: 'reject', status: 400, error: read.error };
  const body = read.value;
  const parsed = updateSchema.safeParse(body);
  if (!parsed.success)
    return {
      kind: 'reject',
      status: 400,
      error: `not a Telegram update: ${issueText(parsed.error.issues[0]!)}`,
    };
  const message = parsed.data.message ?? parsed.data.edited_message;
  if (!message)
    return { kind: 'reject', status: 400, error: 'update has no message or edited_message with text' };
  if (message.from.is_bot) return { kind: 'ignore', reason: 'message from a bot' };
  const chat = String(message.chat.id);
  return {
    kind: 'event',
    event: {
      channel: 'telegram',
      user_id: `${chat}:${message.from.id}`,
      conversation_id:
        message.message_thread_id === undefined ? chat : `${chat}:${message.message_thread_id}`,
      text: message.text,
      message_id: String(message.message_id),
      metadata: {
        chat_id: message.chat.id,
        edited: parsed.data.message === undefined,
        ...(message.message_thread_id === undefined ? {} : { message_thread_id: message.message_thread_id }),
      },
    },
    idempotencyKey: `telegram:${parsed.data.update_id}`,
  };
}
