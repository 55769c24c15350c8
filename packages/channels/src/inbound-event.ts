import { z } from 'zod';

/** Every channel's message, normalized. The raw payload never reaches a record. */
export const inboundEventSchema = z.object({
  tenant: z.string(),
  channel: z.string().min(1).max(64),
  user_id: z.string().min(1).max(256),
  conversation_id: z.string().min(1).max(256),
  text: z.string().max(16_384),
  message_id: z.string().nullable(),
  received_at: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});

export type InboundEvent = z.infer<typeof inboundEventSchema>;

/** What an adapter makes of a request. */
export type AdapterResult =
  | { kind: 'event'; event: Omit<InboundEvent, 'tenant' | 'received_at'>; idempotencyKey: string | null }
  | { kind: 'reply'; status: number; body: unknown }
  | { kind: 'ignore'; reason: string }
  | { kind: 'reject'; status: 400 | 401 | 403; error: string };

export interface AdapterRequest {
  /** The raw body bytes, exactly as received (signatures cover them). */
  raw: Buffer;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** Seconds since the epoch, for timestamp windows. */
  now: number;
}
