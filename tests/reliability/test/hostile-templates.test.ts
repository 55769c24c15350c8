// Hostile template YAML and interpolation expressions (fast-check): a template
// either loads or is refused with an error naming the file; an expression is a
// plain reference or refused; nothing is evaluated and no prototype is reached.

import { isSdetkitError } from '@sdetkit/policy';
import { type InterpolationContext, interpolate, parseTemplate } from '@sdetkit/templates';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SUITE_SEED, scaled } from '../src/index.js';

const RUNS = scaled(300, 5000);

const context = (): InterpolationContext => ({
  inputs: { name: 'x', n: 3 },
  run: { output_dir: '.sdetkit/agent/template-runs/t', id: 't' },
  template: { id: 't', title: 'T', version: '1.0.0', description: 'd' },
  steps: { a: { outputs: { v: 1 }, outcome: 'success' } },
  secrets: { token: 'CANARY-interp-secret' },
});

const expression = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => `\${{${s}}}`),
  fc
    .constantFrom(
      'inputs.__proto__',
      'inputs.constructor.prototype',
      'inputs.__proto__.polluted',
      'run.constructor.name',
      'steps.a.outputs.__proto__',
      'process.env.HOME',
      'inputs.name + 1',
      "require('fs')",
      'inputs["name"]',
      'this',
      'globalThis',
      'inputs.toString',
      'inputs.hasOwnProperty',
      'secrets.token',
      'inputs..name',
      'inputs.name}}${{inputs.name',
    )
    .map((s) => `\${{ ${s} }}`),
);

describe(`hostile interpolation (seed ${SUITE_SEED}, ${RUNS} runs)`, () => {
  it('resolves plain own references only; everything else is a ValidationError naming where', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(expression, fc.string({ maxLength: 10 })), { maxLength: 5 }), (parts) => {
        const value = parts.join('');
        let result: unknown;
        try {
          result = interpolate({ field: value }, context(), 'workflow.0.with');
        } catch (error) {
          expect(isSdetkitError(error), String(error)).toBe(true);
          expect((error as Error).message).toContain('workflow.0.with');
          return;
        }
        // Only own data comes back: never a function, never a prototype object.
        const field = (result as { field: unknown }).field;
        expect(typeof field).not.toBe('function');
        expect(field).not.toBe(Object.prototype);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
  });
});

const templateObject = fc.record(
  {
    metadata: fc.record(
      {
        id: fc.oneof(
          fc.constantFrom('ok-id', '../escape', '/abs', 'a'.repeat(300), '__proto__'),
          fc.string(),
        ),
        title: fc.string(),
        version: fc.oneof(fc.constant('1.0.0'), fc.string()),
        description: fc.string(),
        tags: fc.array(fc.string(), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    inputs: fc.dictionary(
      fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor')),
      fc.record(
        { default: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), secret: fc.boolean() },
        {
          requiredKeys: [],
        },
      ),
      { maxKeys: 3 },
    ),
    workflow: fc.array(
      fc.record(
        {
          id: fc.oneof(fc.constantFrom('a', 'a', '__proto__'), fc.string({ maxLength: 6 })),
          action: fc.constantFrom('fs.write', 'shell.run', 'report.build', 'nope', ''),
          with: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(expression, fc.string(), fc.integer())),
          if: expression,
        },
        { requiredKeys: ['id', 'action'] },
      ),
      { maxLength: 4 },
    ),
  },
  { requiredKeys: [] },
);

describe(`hostile template YAML (seed ${SUITE_SEED}, ${RUNS} runs)`, () => {
  it('loads or refuses with an error naming the file, for structured and raw YAML', () => {
    const yamlText = fc.oneof(
      templateObject.map((t) => stringify(t)),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom(
        'a: &a [*a, *a, *a]\nb: *a\n',
        `${'- '.repeat(5000)}x\n`,
        '!!js/function "function(){}"\n',
        'metadata: !!binary AAAA\n',
        '? [a, b]\n: c\n',
        `${'a'.repeat(100_000)}: b\n`,
        '\uFEFFmetadata:\n  id: x\n',
        'metadata: {id: x}\nmetadata: {id: y}\n',
      ),
    );
    fc.assert(
      fc.property(yamlText, (text) => {
        try {
          const loaded = parseTemplate(text, 'templates/automations/hostile.yaml');
          expect(loaded.definition.metadata.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
        } catch (error) {
          expect(isSdetkitError(error), String(error)).toBe(true);
          expect((error as Error).message).toContain('hostile.yaml');
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
  });
});
