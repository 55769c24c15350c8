import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { isShellAllowed, splitShellWords } from './shell-allowlist.js';

describe('splitShellWords', () => {
  it('splits with quotes and escapes', () => {
    expect(splitShellWords(`git commit -m "two words" it\\'s`)).toEqual([
      'git',
      'commit',
      '-m',
      'two words',
      "it's",
    ]);
  });

  it('keeps $VARS literal instead of expanding them', () => {
    expect(splitShellWords('echo $HOME')).toEqual(['echo', '$HOME']);
  });

  it.each(['ls; rm -rf /', 'cat a | sh', 'echo x > f', 'a && b', 'ls *'])(
    'refuses shell operators in %j',
    (cmd) => {
      expect(() => splitShellWords(cmd)).toThrow(ValidationError);
    },
  );
});

describe('isShellAllowed', () => {
  it('allows argv that starts with an allowlisted prefix', () => {
    expect(isShellAllowed(['git', 'status', '--short'], ['git status'])).toBe(true);
  });

  it('denies a different subcommand and an empty argv', () => {
    expect(isShellAllowed(['git', 'push'], ['git status'])).toBe(false);
    expect(isShellAllowed([], ['git'])).toBe(false);
  });

  it('denies everything with an empty allowlist', () => {
    expect(isShellAllowed(['echo', 'hi'], [])).toBe(false);
  });
});
