import { splitShellWords } from '@sdetkit/policy';
import { z } from 'zod';
import { defineAction } from '../action-registry.js';
import { pickEnv, redactSecretsInText, secretEnvValues } from '../secret-env.js';

const paramsSchema = z
  .strictObject({
    command: z.string().min(1).optional(),
    argv: z.array(z.string()).min(1).optional(),
    cwd: z.string().min(1).default('.'),
    timeout_ms: z.number().int().min(1).optional(),
  })
  .refine((p) => (p.command === undefined) !== (p.argv === undefined), {
    message: 'give exactly one of command or argv',
  });

type ShellParams = z.output<typeof paramsSchema>;

/** What every shell command gets from sdetkit's environment; `safety.shell_env_allowlist` adds names. */
export const SHELL_BASE_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  'TERM',
  'USER',
  'LOGNAME',
  'SHELL',
  'CI',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
] as const;

/**
 * The child's environment: the base set plus allowlisted names, and the
 * values among them that look secret (by name, 6+ characters), which are
 * redacted from what the command prints.
 */
export function shellChildEnv(
  source: NodeJS.ProcessEnv,
  allowlist: readonly string[],
): { env: Record<string, string>; secrets: string[] } {
  const names = new Set([...SHELL_BASE_ENV, ...allowlist]);
  const env = pickEnv(source, names);
  return { env, secrets: secretEnvValues(env, names) };
}

function argvOf(params: ShellParams): string[] {
  return params.argv ?? splitShellWords(params.command ?? '');
}

/** Keeps the first `limit` bytes of a stream and counts the rest. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.limit - this.kept;
    if (room <= 0) return;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(piece);
    this.kept += piece.length;
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export const shellRunAction = defineAction({
  id: 'shell.run',
  description:
    'Run a command as argv (never through a shell), with a minimal environment (safety.shell_env_allowlist adds names). Needs a safety.shell_allowlist prefix and approval; output is capped and the exit code recorded.',
  input: paramsSchema,
  examples: [{ command: 'git status --short' }, { argv: ['npm', 'test'], timeout_ms: 120000 }],
  policy: (params) => [
    { kind: 'exec', argv: argvOf(params) },
    { kind: 'read', path: params.cwd },
  ],
  summarize: (params) => argvOf(params).join(' '),
  async handler(params, ctx) {
    const argv = argvOf(params);
    const cwd = await ctx.resolvePath(params.cwd);
    const limit = ctx.config.safety.shell_output_limit_bytes;
    const timeoutMs = Math.min(
      params.timeout_ms ?? Number.POSITIVE_INFINITY,
      ctx.config.safety.shell_timeout_ms,
    );
    // Loaded on first use: most runs never start a process.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const childEnv = shellChildEnv(process.env, ctx.config.safety.shell_env_allowlist);
    const stdout = new CappedBuffer(limit);
    const stderr = new CappedBuffer(limit);
    const result = await new Promise<{
      code: number | null;
      signal: string | null;
      timedOut: boolean;
      error?: string;
    }>((resolve) => {
      let timedOut = false;
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd,
        env: childEnv.env,
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const kill = () => child.kill('SIGKILL');
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, timeoutMs);
      ctx.signal.addEventListener('abort', kill, { once: true });
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({
          code: null,
          signal: null,
          timedOut,
          error: `${error.code ?? 'error'}: cannot run ${argv[0]}`,
        });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', kill);
        resolve({ code, signal, timedOut });
      });
    });
    const ok = result.error === undefined && !result.timedOut && result.code === 0;
    return {
      ok,
      payload: {
        argv,
        cwd: params.cwd,
        exit_code: result.code,
        signal: result.signal,
        timed_out: result.timedOut,
        timeout_ms: timeoutMs,
        ...(result.error ? { error: result.error } : {}),
        stdout: redactSecretsInText(stdout.text(), childEnv.secrets),
        stderr: redactSecretsInText(stderr.text(), childEnv.secrets),
        stdout_bytes: stdout.total,
        stderr_bytes: stderr.total,
        stdout_truncated: stdout.truncated,
        stderr_truncated: stderr.truncated,
      },
    };
  },
});
