import type { RunRecord } from '@sdetkit/core-runs';
import type { ConversationStore } from './conversation-store.js';
import type { InboundEvent } from './inbound-event.js';
import type { RateDecision, TokenBucketRateLimiter } from './rate-limiter.js';

export interface RouteResult {
  status: 'ok' | 'error' | 'rate_limited';
  hash: string | null;
  rate: RateDecision;
}

export interface RouterDeps {
  limiter: TokenBucketRateLimiter;
  conversations: ConversationStore;
  /** Runs the event's text as an AgentOS task and records it (history, ledger). */
  run(event: InboundEvent): Promise<RunRecord>;
}

/**
 * Inbound event -> rate limit (per tenant, channel and user) -> AgentOS run
 * -> one conversation line. Rate-limited events are logged too, with no run.
 */
export async function routeEvent(event: InboundEvent, deps: RouterDeps): Promise<RouteResult> {
  const rate = await deps.limiter.take(`${event.tenant}/${event.channel}/${event.user_id}`);
  const base = {
    received_at: event.received_at,
    channel: event.channel,
    user_id: event.user_id,
    conversation_id: event.conversation_id,
    message_id: event.message_id,
    text: event.text,
  };
  if (!rate.allowed) {
    await deps.conversations.append({ ...base, status: 'rate_limited', hash: null });
    return { status: 'rate_limited', hash: null, rate };
  }
  const record = await deps.run(event);
  await deps.conversations.append({ ...base, status: record.status, hash: record.hash });
  return { status: record.status, hash: record.hash, rate };
}
