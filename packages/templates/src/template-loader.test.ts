import { describe, expect, it } from 'vitest';
import { parseTemplate } from './template-loader.js';

const FILE = 'templates/automations/t.yaml';
const base = (workflow: string, extra = '') => `metadata:
  id: t
  title: T
  version: 1.0.0
  description: d
${extra}workflow:
${workflow}`;

const errorOf = (yaml: string) => {
  try {
    parseTemplate(yaml, FILE);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
};

describe('parseTemplate', () => {
  it('loads a valid template, infers input types and keeps the source hash', () => {
    const t = parseTemplate(
      base(
        '  - id: a\n    action: fs.read\n    with: {path: README.md}\n',
        'inputs:\n  changed_only: {default: false}\n  n: {default: 3}\n  profile: {default: strict}\n',
      ),
      FILE,
    );
    expect(t.definition.inputs.changed_only!.type).toBe('boolean');
    expect(t.definition.inputs.n!.type).toBe('number');
    expect(t.definition.inputs.profile!.type).toBe('string');
    expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names file and line of malformed YAML', () => {
    expect(errorOf('metadata:\n  id: [oops\n')).toMatch(/^templates\/automations\/t\.yaml:\d+: invalid YAML/);
  });

  it('names the missing metadata field', () => {
    expect(
      errorOf(
        'metadata:\n  id: t\n  version: 1.0.0\n  description: d\nworkflow:\n  - {id: a, action: fs.read}\n',
      ),
    ).toMatch(/t\.yaml:1: metadata\.title: /);
  });

  it('refuses a non-semver version with its line', () => {
    expect(errorOf(base('  - {id: a, action: fs.read}\n').replace('1.0.0', 'v1'))).toMatch(
      /t\.yaml:4: metadata\.version: version must be semver/,
    );
  });

  it('refuses duplicate step ids, naming the line of the second', () => {
    expect(errorOf(base('  - id: a\n    action: fs.read\n  - id: a\n    action: fs.read\n'))).toMatch(
      /t\.yaml:9: workflow\.1\.id: duplicate step id a/,
    );
  });

  it.each([
    ['${{ inputs.nope }}', /unknown variable inputs\.nope: no input nope is declared/],
    ['${{ steps.later.outputs.x }}', /unknown variable steps\.later\.outputs\.x: no earlier step later/],
    ['${{ secrets.TOKEN }}', /unknown variable secrets\.TOKEN: declare it under secrets:/],
    ['${{ env.HOME }}', /unknown variable env\.HOME/],
    ['${{ inputs.n + 1 }}', /expression \$\{\{ inputs\.n \+ 1 \}\} is not a plain reference/],
    ['${{ toJSON(inputs) }}', /is not a plain reference/],
  ])('refuses %j in with: and names where', (expression, message) => {
    const yaml = base(
      `  - id: a\n    action: fs.write\n    with: {path: x, content: "${expression}"}\n  - id: later\n    action: fs.read\n`,
      'inputs:\n  n: {default: 1}\n',
    );
    expect(errorOf(yaml)).toMatch(message);
    expect(errorOf(yaml)).toContain(FILE);
  });

  it('checks if: conditions and input defaults', () => {
    expect(errorOf(base('  - id: a\n    action: fs.read\n    if: inputs.flag && true\n'))).toMatch(
      /if: .* must be a reference/,
    );
    expect(
      errorOf(base('  - {id: a, action: fs.read}\n', 'inputs:\n  d: {default: "${{ inputs.other }}"}\n')),
    ).toMatch(/input defaults may only use run\.\*/);
  });

  it('refuses unknown keys and wrong default types', () => {
    expect(errorOf(base('  - {id: a, action: fs.read, whith: {}}\n'))).toMatch(
      /workflow\.0\.whith: unknown key/,
    );
    expect(
      errorOf(base('  - {id: a, action: fs.read}\n', 'inputs:\n  n: {type: number, default: many}\n')),
    ).toMatch(/inputs\.n\.default: default does not match type number/);
  });
});
