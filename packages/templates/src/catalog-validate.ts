import type { ActionRegistry } from '@sdetkit/core-runs';
import type { LoadedTemplate } from './template-schema.js';

export interface TemplateLint {
  id: string;
  version: string;
  source: string;
  ok: boolean;
  problems: string[];
}

/**
 * Lints loaded templates against a registry: every step's action must be
 * registered. (Schema, duplicate ids and references are checked on load.)
 */
export function lintTemplates(
  templates: readonly LoadedTemplate[],
  registry: ActionRegistry,
): TemplateLint[] {
  return templates.map((template) => {
    const problems: string[] = [];
    template.definition.workflow.forEach((step, index) => {
      if (!registry.has(step.action))
        problems.push(`${template.source}: workflow.${index}.action: unknown action ${step.action}`);
    });
    return {
      id: template.definition.metadata.id,
      version: template.definition.metadata.version,
      source: template.source,
      ok: problems.length === 0,
      problems,
    };
  });
}
