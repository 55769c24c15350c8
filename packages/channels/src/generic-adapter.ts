import { z } from 'zod';
import type { AdapterRequest, AdapterResult } from './inbound-event.js';
import { hmacHex, parseJsonObject, safeEqual } from './verification.js';

const genericBodySchema = z.object({
  channel: z.string().min(1).max(64),
  user_id: z.union([z.string().min(1).max(256), z.number()]).transform(String),
  text: z.string().max(16_384),
  metadata: z.record(z.string(), z.unknown()).optional(),
  conversation_id: z.string().min(1).max(256).optional(),
});

/**
 * `POST /webhook/generic`: `{"channel","user_id","text","metadata"?}`. With a
 * secret configured, `X-Sdetkit-Signature: sha256=<hmac of the raw body>` is
 * required and checked in constant time before the body is read.
 */
export function genericAdapter(
  request: AdapterRequest,
  options: { secret?: string | undefined } = {},
): AdapterResult {
  if (options.secret) {
    const header = request.headers['x-sdetkit-signature'] ?? '';
    const expected = `sha256=${hmacHex(options.secret, request.raw)}`;
    if (!safeEqual(header, expected))
      return { kind: 'reject', status: 401, error: 'invalid or missing signature' };
  }
  const body = parseJsonObject(request.raw);
  if (!body) return { kind: 'reject', status: 400, error: 'body must be a JSON object' };
  const parsed = genericBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { kind: 'reject', status: 400, error: `${issue.path.join('.') || 'body'}: ${issue.message}` };
  }
  const { channel, user_id, text, metadata, conversation_id } = parsed.data;
  return {
    kind: 'event',
    event: {
      channel,
      user_id,
      conversation_id: conversation_id ?? user_id,
      text,
      message_id: null,
      metadata: metadata ?? {},
    },
    idempotencyKey: request.headers['idempotency-key']
      ? `generic:${request.headers['idempotency-key']}`
      : null,
  };
}
