import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The built `sdetkit` binary (turbo builds @sdetkit/cli before these tests). */
export const CLI = path.join(path.dirname(require.resolve('@sdetkit/cli/package.json')), 'dist/sdetkit.js');

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for a spawned CLI: this process's, minus SOURCE_DATE_EPOCH, plus `env`. */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, SOURCE_DATE_EPOCH: '', ...env };
}

/** Starts `sdetkit ...args` in `cwd` with no TTY; output is collected. */
export function spawnCli(cwd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves when `child` has exited and its output streams have closed. */
export function collect(child: ChildProcess): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `sdetkit ...args` in `cwd` to completion. */
export function runCli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ProcessResult> {
  return collect(spawnCli(cwd, args, env));
}

/** A fresh workspace folder (real path) and a function that removes it. */
export async function tempWorkspace(prefix = 'sdetkit-reliability-'): Promise<{
  root: string;
  cleanup: () => Promise<void>;
}> {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}
