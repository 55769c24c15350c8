import { type ActionRegistry, defineAction, type TaskPlanner } from '@sdetkit/core-runs';
import type { ApprovalGate } from '@sdetkit/policy';
import { z } from 'zod';
import type { TemplateCatalog } from './template-catalog.js';
import type { TemplateRunRecord } from './template-run-record.js';
import { runTemplate } from './template-runner.js';

export interface TemplateRunActionDeps {
  catalog: () => Promise<TemplateCatalog>;
  /** The registry the template's steps run with (usually the same one). */
  registry: () => ActionRegistry;
  approvalGate: ApprovalGate;
  /** Called with each nested template run record (e.g. to append it to the ledger). */
  onRecord?: (record: TemplateRunRecord) => Promise<void>;
}

/**
 * `template.run`: runs a catalog template as one action of an agent run.
 * Each of its steps is authorized by policy on its own, exactly as in
 * `agent templates run`.
 */
export function createTemplateRunAction(deps: TemplateRunActionDeps) {
  return defineAction({
    id: 'template.run',
    description: 'Run a catalog template (each of its steps goes through policy on its own).',
    input: z.strictObject({
      id: z.string().min(1),
      inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      output_dir: z.string().min(1).optional(),
    }),
    examples: [{ id: 'report-dashboard' }, { id: 'repo-health-audit', inputs: { profile: 'default' } }],
    policy: () => [],
    summarize: (p) => `run template ${p.id}`,
    async handler(p, ctx) {
      const template = (await deps.catalog()).get(p.id);
      const record = await runTemplate({
        template,
        inputs: p.inputs,
        ...(p.output_dir ? { outputDir: p.output_dir } : {}),
        workspaceRoot: ctx.workspaceRoot,
        config: ctx.config,
        registry: deps.registry(),
        approvalGate: deps.approvalGate,
        clock: () => new Date(Date.parse(ctx.capturedAt)),
      });
      await deps.onRecord?.(record);
      return {
        ok: record.status === 'ok',
        payload: {
          template: record.template,
          template_version: record.template_version,
          status: record.status,
          output_dir: record.output_dir,
          run_record_hash: record.hash,
          steps: record.steps.map((s) => ({ id: s.id, action: s.action, outcome: s.outcome })),
          artifacts: record.artifacts,
        },
        artifacts: record.artifacts,
      };
    },
  });
}

/**
 * Plans `template:<id> [k=v ...]` tasks as one `template.run` action, so run
 * history and dashboards count template usage.
 */
export const templateTaskPlanner: TaskPlanner = {
  name: 'templates',
  matches: (task) => task.trim().startsWith('template:'),
  plan(task) {
    const [head, ...pairs] = task.trim().slice('template:'.length).trim().split(/\s+/);
    const inputs: Record<string, string> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq > 0) inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const id = head ?? '';
    return {
      source: 'templates',
      actions: [{ action: 'template.run', params: { id, inputs } }],
      note: `template ${id}`,
    };
  },
};
