import { parse } from 'shell-quote';
import { ValidationError } from './errors.js';

/**
 * Splits a command line into argv with shell-words rules (quotes, escapes).
 * Shell operators (`;`, `|`, `&&`, redirects, globs, `$(...)`) are refused:
 * commands run as argv, never through a shell, so they would not mean what
 * the author expects.
 */
export function splitShellWords(command: string): string[] {
  // A function env makes `$VAR` stay literal instead of expanding to ''.
  const tokens = parse(command, (key) => `$${key}`);
  const argv: string[] = [];
  for (const token of tokens) {
    if (typeof token === 'string') {
      argv.push(token);
      continue;
    }
    const op = 'op' in token ? token.op : 'comment' in token ? '#' : '?';
    throw new ValidationError(`shell operator ${JSON.stringify(op)} is not allowed; commands run as argv`);
  }
  return argv;
}

/** Parses allowlist entries (`git status`, `npm test`) into argv prefixes. */
export function parseShellAllowlist(entries: readonly string[]): string[][] {
  return entries.map((entry, index) => {
    try {
      const argv = splitShellWords(entry);
      if (argv.length === 0) throw new ValidationError('entry is empty');
      return argv;
    } catch (error) {
      throw new ValidationError(`safety.shell_allowlist.${index}: ${(error as Error).message}`);
    }
  });
}

/** True when argv starts with every word of one allowlisted prefix. */
export function isShellAllowed(argv: readonly string[], allowlist: readonly string[]): boolean {
  if (argv.length === 0) return false;
  return parseShellAllowlist(allowlist).some(
    (prefix) => prefix.length <= argv.length && prefix.every((word, i) => argv[i] === word),
  );
}
