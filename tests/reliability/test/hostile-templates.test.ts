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

/** Hostile text that is still a string: what a well-formed template may carry in its fields. */
const hostileText = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.constantFrom(
    '<script>alert(1)</script>',
    '=HYPERLINK("x")',
    '../../etc/passwd',
    '\u202e',
    '__proto__',
    '${{ inputs.x }}',
  ),
);
/** Mostly well-formed templates with hostile contents, sometimes a hostile shape. */
const templateObject = fc.record(
  {
    metadata: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          id: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
          title: hostileText,
          version: fc.constant('1.0.0'),
          description: hostileText,
          tags: fc.array(hostileText, { maxLength: 3 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record(
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
      },
    ),
    inputs: fc.dictionary(
      fc.oneof(
        { weight: 9, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,7}$/) },
        { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor') },
      ),
      fc.record(
        { default: fc.oneof(hostileText, fc.integer(), fc.constant(null)), secret: fc.boolean() },
        {
          requiredKeys: [],
        },
      ),
      { maxKeys: 3 },
    ),
    workflow: fc
      .array(
        fc.record(
          {
            action: fc.oneof(
              {
                weight: 9,
                arbitrary: fc.constantFrom('fs.write', 'shell.run', 'report.build', 'nope', 'fs.read'),
              },
              { weight: 1, arbitrary: fc.constant('') },
            ),
            with: fc.dictionary(
              fc.string({ maxLength: 6 }),
              fc.oneof(
                { weight: 6, arbitrary: hostileText as fc.Arbitrary<unknown> },
                { weight: 2, arbitrary: fc.integer() },
                { weight: 1, arbitrary: expression },
              ),
            ),
            if: fc.oneof(
              { weight: 4, arbitrary: fc.boolean() as fc.Arbitrary<unknown> },
              { weight: 1, arbitrary: expression },
            ),
          },
          { requiredKeys: ['action'] },
        ),
        { minLength: 1, maxLength: 4 },
      )
      // Unique step ids mostly; sometimes a duplicate or an invalid one.
      .chain((steps) =>
        fc.constantFrom(...Array<string>(8).fill('unique'), 'duplicate', 'hostile').map((mode) =>
          steps.map((step, i) => ({
            id: mode === 'unique' ? `s${i}` : mode === 'duplicate' ? 's0' : '__proto__',
            ...step,
          })),
        ),
      ),
  },
  { requiredKeys: ['metadata', 'workflow'] },
);

describe(`hostile template YAML (seed ${SUITE_SEED}, ${RUNS} runs)`, () => {
  it('loads or refuses with an error naming the file, for structured and raw YAML', () => {
    const yamlText = fc.oneof(
      { weight: 4, arbitrary: templateObject.map((t) => stringify(t)) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
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
    ) as fc.Arbitrary<string>;
    let loadedCount = 0;
    fc.assert(
      fc.property(yamlText, (text) => {
        try {
          const loaded = parseTemplate(text, 'templates/automations/hostile.yaml');
          loadedCount++;
          expect(loaded.definition.metadata.id).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
        } catch (error) {
          expect(isSdetkitError(error), String(error)).toBe(true);
          expect((error as Error).message).toContain('hostile.yaml');
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
    // The property must reach the loader's success path, not only its refusals.
    console.info('hostile-templates: loaded', loadedCount, 'of', RUNS);
    expect(loadedCount).toBeGreaterThan(RUNS / 40);
  });
});
