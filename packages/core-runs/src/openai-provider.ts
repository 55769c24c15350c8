import { type PostJsonOptions, ProviderError, postJson } from './http-json.js';
import { extractJsonObject, systemPrompt, userPrompt } from './model-prompt.js';
import type { Provider, ProviderResponse } from './provider.js';

/** `…/v1/chat/completions` for a base URL with or without `/v1`. */
export function chatCompletionsUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${/\/v\d+$/.test(base) ? base : `${base}/v1`}/chat/completions`;
}

/** Provider `openai`: any OpenAI-compatible chat completions endpoint. The key comes from the environment only. */
export function createOpenAiProvider(
  options: { baseUrl: string; model: string; apiKey: string | undefined } & Omit<PostJsonOptions, 'headers'>,
): Provider {
  return {
    id: 'openai',
    async complete(request): Promise<ProviderResponse> {
      const answer = (await postJson(
        chatCompletionsUrl(options.baseUrl),
        {
          model: options.model,
          temperature: 0,
          messages: [
            { role: 'system', content: systemPrompt(request) },
            { role: 'user', content: userPrompt(request) },
          ],
          ...(request.kind === 'plan' ? { response_format: { type: 'json_object' } } : {}),
        },
        { ...options, headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {} },
      )) as {
        choices?: { message?: { content?: unknown } }[];
        usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
      };
      const content = answer?.choices?.[0]?.message?.content;
      if (typeof content !== 'string')
        throw new ProviderError('malformed', 'openai provider: answer has no choices[0].message.content');
      const u = answer.usage;
      const usage =
        typeof u?.prompt_tokens === 'number' && typeof u?.completion_tokens === 'number'
          ? { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens }
          : undefined;
      return {
        text: content,
        plan: request.kind === 'plan' ? extractJsonObject(content) : null,
        ...(usage ? { usage } : {}),
      };
    },
  };
}
