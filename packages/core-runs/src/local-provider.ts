import { type PostJsonOptions, ProviderError, postJson } from './http-json.js';
import { extractJsonObject, systemPrompt, userPrompt } from './model-prompt.js';
import type { Provider, ProviderResponse } from './provider.js';

/** Provider `local`: an Ollama-style `/api/generate` endpoint (`provider.endpoint`). */
export function createLocalProvider(
  options: { endpoint: string; model: string } & Omit<PostJsonOptions, 'headers'>,
): Provider {
  return {
    id: 'local',
    async complete(request): Promise<ProviderResponse> {
      const answer = (await postJson(
        options.endpoint,
        {
          model: options.model,
          system: systemPrompt(request),
          prompt: userPrompt(request),
          stream: false,
          ...(request.kind === 'plan' ? { format: 'json' } : {}),
          options: { temperature: 0 },
        },
        options,
      )) as { response?: unknown; prompt_eval_count?: unknown; eval_count?: unknown };
      if (typeof answer?.response !== 'string')
        throw new ProviderError('malformed', 'local provider: answer has no "response" text');
      const usage =
        typeof answer.prompt_eval_count === 'number' && typeof answer.eval_count === 'number'
          ? { prompt_tokens: answer.prompt_eval_count, completion_tokens: answer.eval_count }
          : undefined;
      return {
        text: answer.response,
        plan: request.kind === 'plan' ? extractJsonObject(answer.response) : null,
        ...(usage ? { usage } : {}),
      };
    },
  };
}
