import { type AgentConfig, ValidationError } from '@sdetkit/policy';
import { createLocalProvider } from './local-provider.js';
import { createNoneProvider } from './none-provider.js';
import { createOpenAiProvider } from './openai-provider.js';
import type { Provider } from './provider.js';

/** The provider a config asks for. Keys are read from the environment variable the config names, never from config. */
export function createProviderFromConfig(
  config: AgentConfig,
  env: Record<string, string | undefined> = process.env,
): Provider {
  const p = config.provider;
  const http = { timeoutMs: p.timeout_ms, maxRetries: p.max_retries, maxBytes: p.max_response_bytes };
  switch (p.type) {
    case 'none':
      return createNoneProvider();
    case 'local':
      return createLocalProvider({ endpoint: p.endpoint, model: p.model, ...http });
    case 'openai': {
      if (!p.base_url) throw new ValidationError('provider.base_url: required for provider type openai');
      const apiKey = p.api_key_env ? env[p.api_key_env] : undefined;
      if (p.api_key_env && !apiKey) {
        throw new ValidationError(`provider.api_key_env: environment variable ${p.api_key_env} is not set`);
      }
      return createOpenAiProvider({ baseUrl: p.base_url, model: p.model, apiKey, ...http });
    }
  }
}

/** True for loopback and private-network hosts (where local models usually live). */
export function isPrivateHost(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (
    host === 'localhost' ||
    host === '::1' ||
    host.endsWith('.localhost') ||
    host.endsWith('.internal') ||
    host.endsWith('.local')
  )
    return true;
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n))) return /^f[cd][0-9a-f]{2}:/i.test(host);
  const [a, b] = parts as [number, number];
  return (
    a === 127 ||
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}
