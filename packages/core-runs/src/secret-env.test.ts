import { describe, expect, it } from 'vitest';
import { redactSecretsInJson, redactSecretsInText, secretEnvValues } from './secret-env.js';

describe('secret env values', () => {
  it('picks secret-looking names only, longest value first', () => {
    const env = {
      GITHUB_TOKEN: 'ghp_abcdef',
      DB_PASSWORD: 'pw"with\\quote',
      NODE_ENV: 'production',
      API_KEY: 'x',
    };
    expect(secretEnvValues(env, ['GITHUB_TOKEN', 'DB_PASSWORD', 'NODE_ENV', 'API_KEY', 'MISSING'])).toEqual([
      'pw"with\\quote',
      'ghp_abcdef',
    ]);
  });

  it('redacts in text and inside JSON strings, escaped or not', () => {
    const secrets = ['pw"with\\quote', 'ghp_abcdef'];
    expect(redactSecretsInText('token=ghp_abcdef!', secrets)).toBe('token=[REDACTED]!');
    expect(redactSecretsInJson({ a: ['x pw"with\\quote y'], ghp_abcdef: 1 }, secrets)).toEqual({
      a: ['x [REDACTED] y'],
      '[REDACTED]': 1,
    });
    expect(redactSecretsInJson({ a: 1 }, [])).toEqual({ a: 1 });
  });
});
