import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from './action-registry.js';
import { createBuiltinRegistry } from './actions/builtin-actions.js';
import { parseActionTask, planFromKeywords, planTask } from './manager.js';
import { createNoneProvider } from './none-provider.js';

describe('parseActionTask', () => {
  it('parses a JSON object as params', () => {
    expect(parseActionTask('action fs.write {"path":"a","content":"x"}')).toEqual({
      action: 'fs.write',
      params: { path: 'a', content: 'x' },
    });
  });

  it('turns non-JSON params into {arg}', () => {
    expect(parseActionTask('action fs.read README.md')).toEqual({
      action: 'fs.read',
      params: { arg: 'README.md' },
    });
    expect(parseActionTask('action x.y [1]')).toEqual({ action: 'x.y', params: { arg: '[1]' } });
  });

  it('accepts an action with no params and ignores other tasks', () => {
    expect(parseActionTask('action fs.read')).toEqual({ action: 'fs.read', params: {} });
    expect(parseActionTask('please do an action')).toBeUndefined();
  });
});

describe('planFromKeywords', () => {
  const audit = defineAction({
    id: 'repo.audit',
    description: 'audit',
    input: z.object({ profile: z.string().optional() }),
    examples: [{}],
    keywords: ['audit'],
    plannedParams: () => ({ profile: 'default' }),
    policy: () => [],
    summarize: () => 'audit',
    handler: async () => ({ ok: true, payload: {} }),
  });
  const report = {
    ...audit,
    id: 'report.build',
    keywords: ['report', 'dashboard'],
    plannedParams: () => ({}),
  };

  it('plans registered actions in the order their keywords appear', () => {
    const registry = createBuiltinRegistry().register(audit).register(report);
    const plan = planFromKeywords('Build the dashboard after an AUDIT', registry);
    expect(plan.actions).toEqual([
      { action: 'report.build', params: {} },
      { action: 'repo.audit', params: { profile: 'default' } },
    ]);
  });

  it('plans nothing for an unknown request and says so', () => {
    const plan = planFromKeywords('make coffee', createBuiltinRegistry());
    expect(plan.actions).toEqual([]);
    expect(plan.note).toContain('no registered action matches');
  });
});

describe('planTask', () => {
  it('hands registered task forms to their planner', async () => {
    const plan = await planTask('template:x', {
      registry: createBuiltinRegistry(),
      provider: createNoneProvider(),
      model: 'm',
      planners: [
        {
          name: 'templates',
          matches: (t) => t.startsWith('template:'),
          plan: () => ({ source: 'templates', actions: [], note: 'n' }),
        },
      ],
    });
    expect(plan.source).toBe('templates');
  });
});
