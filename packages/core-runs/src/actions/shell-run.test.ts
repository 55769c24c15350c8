import { defaultAgentConfig } from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionContext } from '../action-registry.js';
import { sha256Hex } from '../canonical-json.js';
import { createTempWorkspace } from '../testing/temp-workspace.js';
import { shellRunAction } from './shell-run.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let ctx: ActionContext;

beforeEach(async () => {
  ws = await createTempWorkspace();
  const config = defaultAgentConfig();
  config.safety.shell_output_limit_bytes = 1000;
  config.safety.shell_timeout_ms = 5000;
  ctx = {
    workspaceRoot: ws.root,
    config,
    signal: new AbortController().signal,
    capturedAt: '2024-01-01T00:00:00Z',
    resolvePath: async (p) => `${ws.root}/${p}`,
  };
});
afterEach(() => ws.cleanup());

const run = (params: unknown) => shellRunAction.handler(shellRunAction.input.parse(params), ctx);

describe('shell.run', () => {
  it('runs argv without a shell, so metacharacters stay literal', async () => {
    const outcome = await run({ argv: ['node', '-e', 'console.log(process.argv[1])', '$(whoami); echo x'] });
    expect(outcome.ok).toBe(true);
    expect(outcome.payload.stdout).toBe('$(whoami); echo x\n');
  });

  it('gives the command a minimal environment: no secrets unless allowlisted, and those redacted', async () => {
    process.env.SDETKIT_WEBHOOK_SECRET = 'canary-webhook-secret-1';
    process.env.DEPLOY_TOKEN = 'canary-deploy-token-2';
    process.env.BUILD_FLAVOR = 'plain-value';
    try {
      // The variables looked at, with PATH as its hash: the recorded output is capped at 1,000
      // characters, and a clone in a deep folder makes PATH alone longer than that.
      const script = `const { createHash } = require('node:crypto');
        const e = process.env;
        console.log(JSON.stringify({
          PATH: createHash('sha256').update(e.PATH ?? '').digest('hex'),
          SDETKIT_WEBHOOK_SECRET: e.SDETKIT_WEBHOOK_SECRET,
          DEPLOY_TOKEN: e.DEPLOY_TOKEN,
          BUILD_FLAVOR: e.BUILD_FLAVOR,
        }));`;
      const dump = { argv: ['node', '-e', script] };
      const env = JSON.parse((await run(dump)).payload.stdout as string) as Record<string, string>;
      expect(env.PATH).toBe(sha256Hex(process.env.PATH ?? ''));
      expect(env.SDETKIT_WEBHOOK_SECRET).toBeUndefined();
      expect(env.DEPLOY_TOKEN).toBeUndefined();
      expect(env.BUILD_FLAVOR).toBeUndefined();
      ctx.config.safety.shell_env_allowlist = ['DEPLOY_TOKEN', 'BUILD_FLAVOR'];
      const outcome = await run(dump);
      const passed = JSON.parse(outcome.payload.stdout as string) as Record<string, string>;
      expect(passed.BUILD_FLAVOR).toBe('plain-value');
      // Passed on purpose, but still kept out of the record.
      expect(passed.DEPLOY_TOKEN).toBe('[REDACTED]');
      expect(JSON.stringify(outcome.payload)).not.toContain('canary-');
    } finally {
      delete process.env.SDETKIT_WEBHOOK_SECRET;
      delete process.env.DEPLOY_TOKEN;
      delete process.env.BUILD_FLAVOR;
    }
  });

  it('caps flooding output and records the total size', async () => {
    const outcome = await run({ argv: ['node', '-e', 'process.stdout.write("y".repeat(200000))'] });
    expect(outcome.payload).toMatchObject({ stdout_truncated: true, stdout_bytes: 200000 });
    expect((outcome.payload.stdout as string).length).toBe(1000);
  });

  it('kills a command at its timeout', async () => {
    const outcome = await run({ argv: ['node', '-e', 'setTimeout(() => {}, 60000)'], timeout_ms: 200 });
    expect(outcome.ok).toBe(false);
    expect(outcome.payload).toMatchObject({ timed_out: true, signal: 'SIGKILL' });
  });

  it('reports a command that does not exist without throwing', async () => {
    const outcome = await run({ command: 'definitely-not-a-command-xyz' });
    expect(outcome.ok).toBe(false);
    expect(outcome.payload.error).toBe('ENOENT: cannot run definitely-not-a-command-xyz');
  });

  it('needs exactly one of command or argv', () => {
    expect(shellRunAction.input.safeParse({}).success).toBe(false);
    expect(shellRunAction.input.safeParse({ command: 'a', argv: ['a'] }).success).toBe(false);
  });
});
