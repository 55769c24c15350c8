import { describe, expect, it } from 'vitest';
import { parseAgentConfig, renderDefaultConfigYaml } from './config-loader.js';
import { defaultAgentConfig } from './config-schema.js';
import { ValidationError } from './errors.js';

const FILE = '.sdetkit/agent/config.yaml';

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('parseAgentConfig', () => {
  it('fills every missing key with the documented defaults', () => {
    const config = parseAgentConfig('budgets: {max_steps: 12}\n', FILE);
    expect(config.budgets).toEqual({
      max_steps: 12,
      max_actions: 4,
      token_budget: 0,
      max_template_steps: 100,
    });
    expect(config.provider.type).toBe('none');
    expect(config.provider.endpoint).toBe('http://127.0.0.1:11434/api/generate');
    expect(config.safety.write_allowlist).toEqual(['.sdetkit/agent/workdir']);
    expect(config.roles).toEqual({ manager: 'planner', worker: 'executor', reviewer: 'verifier' });
  });

  it('treats an empty file as all defaults', () => {
    expect(parseAgentConfig('', FILE)).toEqual(defaultAgentConfig());
  });

  it('names the file, line and field of a wrong type', () => {
    const error = errorOf(() => parseAgentConfig('roles: {}\nbudgets:\n  max_steps: many\n', FILE));
    expect(error.message).toMatch(/^\.sdetkit\/agent\/config\.yaml:3: budgets\.max_steps: .*number/);
  });

  it('names the line of an unknown key and lists the allowed ones', () => {
    const error = errorOf(() =>
      parseAgentConfig('safety:\n  write_allowlist: []\n  write_alowlist: [x]\n', FILE),
    );
    expect(error.message).toContain(`${FILE}:3: safety.write_alowlist: unknown key`);
    expect(error.message).toContain('write_allowlist');
  });

  it('names the line of a YAML syntax error', () => {
    const error = errorOf(() => parseAgentConfig('budgets:\n  max_steps: [1, 2\n', FILE));
    expect(error.message).toMatch(/^\.sdetkit\/agent\/config\.yaml:\d+: invalid YAML/);
  });

  it('rejects duplicate keys', () => {
    const error = errorOf(() => parseAgentConfig('budgets: {}\nbudgets: {}\n', FILE));
    expect(error.message).toContain('invalid YAML');
  });

  it('rejects a non-http provider endpoint', () => {
    const error = errorOf(() => parseAgentConfig('provider: {endpoint: "file:///etc/passwd"}\n', FILE));
    expect(error.message).toContain('provider.endpoint');
  });

  it('rejects a document that is not a mapping', () => {
    const error = errorOf(() => parseAgentConfig('- a\n- b\n', FILE));
    expect(error.message).toContain(FILE);
  });

  it('renders a default config that parses back to the defaults', () => {
    const yaml = renderDefaultConfigYaml();
    expect(yaml).toContain('write_allowlist');
    expect(parseAgentConfig(yaml, FILE)).toEqual(defaultAgentConfig());
  });
});
