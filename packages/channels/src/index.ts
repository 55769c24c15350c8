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
export {
  type Bucket,
  type BucketStore,
  FileBucketStore,
  type RateDecision,
  TokenBucketRateLimiter,
} from './rate-limiter.js';
export { safeFileName } from './safe-file-name.js';
export {
  parseScopes,
  type StoredToken,
  TOKEN_SCOPES,
  TOKENS_FILE,
  type TokenInfo,
  type TokenScope,
  TokenStore,
  validateTenantId,
} from './service-tokens.js';
export { SLACK_TIMESTAMP_WINDOW_SECONDS, slackAdapter } from './slack-adapter.js';
export { telegramAdapter } from './telegram-adapter.js';
export { hmacHex, parseJsonObject, safeEqual } from './verification.js';
