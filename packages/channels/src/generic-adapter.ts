import { z } from 'zod';
import type { AdapterRequest, AdapterResult } from './inbound-event.js';
import { issueText } from './issue-text.js';
import { hmacHex, readJsonObject, safeEqual } from './verification.js';

/** "required" for a missing member; zod's own message for anything else. */
const requiredOr = (otherwise?: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'required' : otherwise;

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,256}$/;

const USER_ID_EXPECTED =
  'expected a string of 1 to 256 characters, or a whole number up to 2^53 - 1 (send larger ids as strings)';

const genericBodySchema = z.object({
  channel: z.string({ error: requiredOr() }).min(1).max(64),
  // A number must be a safe integer: larger ones lose digits in JSON.parse, and two users
  // (12345678901234567890 and ...891) would share one bucket and one conversation log.
  user_id: z
    .union([z.string().min(1).max(256), z.number().int({ error: USER_ID_EXPECTED })], {
      error: requiredOr(USER_ID_EXPECTED),
    })
    .transform(String),
  text: z.string({ error: requiredOr() }).max(16_384),
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
  const key = request.headers['idempotency-key'];
  if (key && !IDEMPOTENCY_KEY.test(key))
    // Kept for 10,000 deliveries in deliveries.jsonl: a key is bounded like any other field.
    return {
      kind: 'reject',
      status: 400,
      error: 'Idempotency-Key header: expected 1 to 256 printable ASCII characters',
    };
  const read = readJsonObject(request.raw);
  if ('error' in read) return { kind: 'reject', status: 400, error: read.error };
  const body = read.value;
  const parsed = genericBodySchema.safeParse(body);
  if (!parsed.success) {
    // Every problem at once, so a sender fixes its payload in one round.
    const error = parsed.error.issues.map((issue) => issueText(issue)).join('; ');
    return { kind: 'reject', status: 400, error };
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
    idempotencyKey: key ? `generic:${key}` : null,
  };
}
