import { describe, expect, it } from 'vitest';
import { evaluateCondition, type InterpolationContext, interpolate } from './interpolation.js';

const context: InterpolationContext = {
  inputs: { n: 3, flag: false, name: 'x', list: [1, 2] },
  run: { output_dir: 'out', id: 'r1' },
  template: { id: 't', title: 'T', version: '1.0.0', description: 'd' },
  steps: { a: { outputs: { path: 'p', count: 2 }, outcome: 'success' } },
  secrets: {},
};

describe('interpolate', () => {
  it('keeps the type of a whole-string expression and stringifies inside text', () => {
    expect(interpolate('${{ inputs.n }}', context, 'w')).toBe(3);
    expect(interpolate('${{inputs.list}}', context, 'w')).toEqual([1, 2]);
    expect(interpolate('n=${{ inputs.n }} in ${{run.output_dir}}', context, 'w')).toBe('n=3 in out');
    expect(interpolate({ deep: ['${{steps.a.outputs.path}}'] }, context, 'w')).toEqual({ deep: ['p'] });
  });

  it('refuses expressions that are not plain references, without evaluating them', () => {
    expect(() => interpolate('${{ inputs.n + 1 }}', context, 'w')).toThrow(/not a plain reference/);
    expect(() => interpolate('${{ process.exit(1) }}', context, 'w')).toThrow(/not a plain reference/);
  });

  it('names unknown variables', () => {
    expect(() => interpolate('${{ inputs.missing }}', context, 'w')).toThrow(
      'w: unknown variable inputs.missing',
    );
    expect(() => interpolate('${{ steps.a.outputs.nope }}', context, 'w')).toThrow(
      'unknown variable steps.a.outputs.nope',
    );
  });
});

describe('evaluateCondition', () => {
  it.each([
    ['inputs.n', true],
    ['!inputs.flag', true],
    ['inputs.flag', false],
    ["inputs.name == 'x'", true],
    ['inputs.n != 3', false],
    ["${{ steps.a.outcome == 'success' }}", true],
  ])('%s is %s', (condition, expected) => {
    expect(evaluateCondition(condition, context, 'w')).toBe(expected);
  });
});
