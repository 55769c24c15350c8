/**
 * A model provider. The manager asks it for a plan; `none` answers without a
 * model so the rule-based planner decides. Requests are plain JSON so they can
 * be hashed and cached.
 */
export interface ProviderRequest {
  kind: 'plan' | 'review';
  provider: string;
  model: string;
  task: string;
  /** Registered action ids the plan may use (with descriptions and param schemas for model providers). */
  actions: (string | { id: string; description: string; input_schema: unknown })[];
  /** Plans: at most this many actions. */
  max_actions?: number;
  /** Reviews: what each action did. */
  results?: { action: string; ok: boolean; denied: boolean; message: string }[];
}

export interface ProviderResponse {
  /** Model text, empty for `none`. */
  text: string;
  /** A candidate plan the manager validates, or null to use the rules. */
  plan: unknown;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface Provider {
  readonly id: string;
  /**
   * True when every answer is a pure function of the request, computed on
   * this machine (`none`): a response cache has nothing to keep for replay,
   * so it neither reads nor writes one (cache keys are still reported).
   */
  readonly deterministic?: boolean;
  complete(request: ProviderRequest): Promise<ProviderResponse>;
}

/** What a cache-aware provider reports after a run. */
export interface ProviderCacheReport {
  enabled: boolean;
  /** sha256 keys of the requests made, in order, deduplicated (the most recent `REPORTED_KEYS_LIMIT`). */
  keys: string[];
  hits: number;
  misses: number;
}
