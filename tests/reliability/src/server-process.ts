import type { ChildProcess } from 'node:child_process';
import { spawnCli } from './cli-process.js';

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: (route: string) => string;
  /** Everything the server wrote on stdout and stderr so far (its logs included). */
  output: () => string;
  /** SIGTERM (drain) or SIGKILL, then waits for the exit; resolves to the exit code or signal. */
  stop: (signal?: NodeJS.Signals) => Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts `sdetkit agent serve --port 0 ...args` in `cwd` and resolves once it
 * prints where it listens (always 127.0.0.1 unless args say otherwise).
 */
export async function startServer(
  cwd: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawnCli(cwd, ['agent', 'serve', '--port', '0', ...args], env);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      try {
        resolve((JSON.parse(stdout) as { port: number }).port);
      } catch {
        // the JSON value is not complete yet
      }
    });
    exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  return {
    child,
    port,
    url: (route) => `http://127.0.0.1:${port}${route}`,
    output: () => stdout + stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
