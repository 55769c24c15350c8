import { spawn } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary; turbo builds before tests run. */
export const CLI = fileURLToPath(new URL('../dist/sdetkit.js', import.meta.url));
/** The installed command (`bin` in package.json): a shell script that starts dist/sdetkit.cjs. */
export const LAUNCHER = fileURLToPath(new URL('../bin/sdetkit', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: unknown;
}

/** Runs `node dist/sdetkit.js ...args` in `cwd` as a real process with no TTY. */
export function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], cwd, { ...process.env, SOURCE_DATE_EPOCH: '', ...env });
}

/**
 * Runs `bin/sdetkit ...args` as a user's shell would, with exactly `env`
 * (plus PATH, so the launcher finds `node`).
 */
export function runLauncher(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return runProcess(LAUNCHER, args, cwd, { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env });
}

function runProcess(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

export async function tempWorkspace(
  prefix = 'sdetkit-cli-',
): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}
