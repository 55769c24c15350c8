import type { ProviderRequest } from './provider.js';

/** The instructions a model gets; part of the cached request, so changing them changes cache keys. */
export function systemPrompt(request: ProviderRequest): string {
  if (request.kind === 'review') {
    return 'You review the results of an automation run for an engineering team. In one or two sentences, say whether the task was achieved and what, if anything, needs attention. Plain text only.';
  }
  const actions = request.actions
    .map((a) =>
      typeof a === 'string'
        ? `- ${a}`
        : `- ${a.id}: ${a.description}\n  params (JSON Schema): ${JSON.stringify(a.input_schema)}`,
    )
    .join('\n');
  return [
    'You plan automation tasks for sdetkit AgentOS. Reply with one JSON object and nothing else:',
    '{"actions": [{"action": "<action id>", "params": {...}}], "note": "<one sentence>"}',
    `Use only these actions, with params that match their schema, at most ${request.max_actions ?? 4} of them:`,
    actions,
    'If no action fits the task, reply {"actions": [], "note": "<why>"}. Every action is checked by policy before it runs.',
  ].join('\n');
}

export function userPrompt(request: ProviderRequest): string {
  if (request.kind === 'review') {
    return `Task: ${request.task}\nResults:\n${(request.results ?? []).map((r) => `- ${r.action}: ${r.denied ? 'denied by policy' : r.ok ? 'ok' : 'failed'} (${r.message})`).join('\n')}`;
  }
  return `Task: ${request.task}`;
}

/** The JSON object in a model's answer (models sometimes wrap it in a code fence or prose). */
export function extractJsonObject(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text)?.[1] ?? text;
  const start = fenced.indexOf('{');
  const end = fenced.lastIndexOf('}');
  if (start === -1 || end <= start) return null;
  try {
    return JSON.parse(fenced.slice(start, end + 1));
  } catch {
    return null;
  }
}
