export { type RouteResult, type RouterDeps, routeEvent } from './channel-router.js';
export {
  type ConversationLine,
  type ConversationStore,
  FileConversationStore,
} from './conversation-store.js';
export { genericAdapter } from './generic-adapter.js';
export { IdempotencyStore } from './idempotency-store.js';
export {
  type AdapterRequest,
  type AdapterResult,
  type InboundEvent,
  inboundEventSchema,
} from './inbound-event.js';
export { JsonlAppender } from './jsonl-appender.js';
export {
  type OutgoingReply,
  type ReplyOutcome,
  type ReplySender,
  replyFor,
  replyText,
} from './outgoing-reply.js';
export {
  type Bucket,
  type BucketStore,
  FileBucketStore,
  type RateDecision,
  TokenBucketRateLimiter,
} from './rate-limiter.js';
export { postReply, type ReplyHttpOptions, type ReplyVerdict } from './reply-http.js';
export { type ReplyLine, ReplyLog } from './reply-log.js';
export { safeFileName } from './safe-file-name.js';
export {
  isTenantId,
  parseScopes,
  type StoredToken,
  TOKEN_SCOPES,
  TOKENS_FILE,
  type TokenInfo,
  type TokenScope,
  TokenStore,
  validateTenantId,
  workspaceTokenStore,
} from './service-tokens.js';
export { SimulatedReplySender } from './simulated-reply-sender.js';
export { SLACK_TIMESTAMP_WINDOW_SECONDS, slackAdapter } from './slack-adapter.js';
export { type SlackReplyOptions, SlackReplySender } from './slack-reply-sender.js';
export { telegramAdapter } from './telegram-adapter.js';
export { type TelegramReplyOptions, TelegramReplySender } from './telegram-reply-sender.js';
export { hmacHex, parseJsonObject, readJsonObject, safeEqual } from './verification.js';
