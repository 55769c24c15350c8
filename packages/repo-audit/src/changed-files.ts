import { ValidationError } from '@sdetkit/policy';

/** git, loaded on first use: most audits never ask it anything. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; maxBuffer?: number },
): Promise<{ stdout: string }> {
  const { execFile } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr }));
      else resolve({ stdout });
    });
  });
}

async function git(root: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new ValidationError('changed_only: git is not installed');
    throw new ValidationError(
      `changed_only: git ${args[0]} failed: ${(err.stderr ?? err.message).trim().split('\n')[0]}`,
    );
  }
}

/**
 * Files changed against `base` (committed since the merge base, plus
 * uncommitted and untracked changes), as workspace-relative paths.
 */
export async function changedFiles(root: string, base: string): Promise<Set<string>> {
  const inside = await git(root, ['rev-parse', '--is-inside-work-tree']).catch(() => '');
  if (inside.trim() !== 'true')
    throw new ValidationError('changed_only: not a git repository (run the full audit instead)');
  if (!/^[\w./@^~{}-]+$/.test(base) || base.startsWith('-'))
    throw new ValidationError(`--base: not a valid git ref: ${base}`);
  const verified = await run('git', ['rev-parse', '--verify', '--quiet', `${base}^{commit}`], {
    cwd: root,
  }).catch(() => undefined);
  if (!verified) throw new ValidationError(`--base: ref ${base} does not exist`);
  const committed = await git(root, ['diff', '--name-only', '--relative', `${base}...HEAD`]);
  const working = await git(root, ['diff', '--name-only', '--relative', 'HEAD']);
  const untracked = await git(root, ['ls-files', '--others', '--exclude-standard']);
  return new Set(
    [committed, working, untracked]
      .join('\n')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
}
