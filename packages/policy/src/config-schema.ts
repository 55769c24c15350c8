import { z } from 'zod';

import { DEFAULT_WORKDIR } from './paths.js';

const rolesSchema = z.strictObject({
  manager: z.string().min(1).default('planner'),
  worker: z.string().min(1).default('executor'),
  reviewer: z.string().min(1).default('verifier'),
});

const budgetsSchema = z.strictObject({
  max_steps: z.number().int().min(2).max(10_000).default(8),
  max_actions: z.number().int().min(0).max(10_000).default(4),
  token_budget: z.number().int().min(0).default(0),
  /** Steps one template run may execute; the rest are not run and the run fails. */
  max_template_steps: z.number().int().min(1).max(100_000).default(100),
});

const providerSchema = z.strictObject({
  /** none: rule-based and offline; local: Ollama-style /api/generate; openai: any OpenAI-compatible /v1/chat/completions. */
  type: z.enum(['none', 'local', 'openai']).default('none'),
  /** The local provider's URL. */
  endpoint: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .default('http://127.0.0.1:11434/api/generate'),
  /** The openai provider's base URL (…/v1 is added when missing). */
  base_url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  model: z.string().min(1).default('llama3'),
  /** Name of the environment variable holding the API key (never the key itself). */
  api_key_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name like OPENAI_API_KEY')
    .optional(),
  timeout_ms: z.number().int().min(1).max(600_000).default(30_000),
  max_retries: z.number().int().min(0).max(10).default(2),
  /** Largest response body read, in bytes. */
  max_response_bytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
});

const safetySchema = z.strictObject({
  write_allowlist: z.array(z.string().min(1)).default([DEFAULT_WORKDIR]),
  shell_allowlist: z.array(z.string().min(1)).default([]),
  shell_timeout_ms: z.number().int().min(1).max(3_600_000).default(60_000),
  /**
   * Environment variables a `shell.run` command gets beyond the base set
   * (PATH, HOME, locale, TZ, temp folders, TERM, USER, SHELL, CI). Nothing
   * else of sdetkit's environment (webhook secrets, bot tokens, API keys)
   * reaches the command.
   */
  shell_env_allowlist: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name'))
    .default([]),
  shell_output_limit_bytes: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .default(64 * 1024),
});

const mcpServerSchema = z
  .strictObject({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    /** Environment variables passed through to the server (it starts with PATH only). */
    env_allowlist: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
    'env-allowlist': z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
    /** The only tools that may be called on this server. */
    allow: z.array(z.string().min(1)).default([]),
    timeout_ms: z.number().int().min(100).max(600_000).optional(),
  })
  .transform(({ 'env-allowlist': hyphenated, ...server }) => ({
    ...server,
    env_allowlist: [...new Set([...server.env_allowlist, ...(hyphenated ?? [])])],
  }));

const toolsSchema = z.strictObject({
  mcp: z
    .strictObject({
      /** Per call, unless a server sets its own. */
      timeout_ms: z.number().int().min(100).max(600_000).default(20_000),
      /** Tool results larger than this are truncated in the record. */
      result_limit_bytes: z
        .number()
        .int()
        .min(1024)
        .max(16 * 1024 * 1024)
        .default(64 * 1024),
      servers: z
        .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'server names are lowercase ids'), mcpServerSchema)
        .default({}),
    })
    .prefault({}),
});

/**
 * The agent config (`.sdetkit/agent/config.yaml`). Unknown keys are errors so
 * a typo (`write_alowlist`) never silently falls back to a default.
 */
export const agentConfigSchema = z.strictObject({
  roles: rolesSchema.prefault({}),
  budgets: budgetsSchema.prefault({}),
  provider: providerSchema.prefault({}),
  safety: safetySchema.prefault({}),
  /** Disabled unless servers are listed. */
  tools: toolsSchema.prefault({}),
});

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;

/** The effective config when the file sets nothing. */
export function defaultAgentConfig(): AgentConfig {
  return agentConfigSchema.parse({});
}
