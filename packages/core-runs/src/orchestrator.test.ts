import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import {
  type AgentConfig,
  createApprovalGate,
  defaultAgentConfig,
  NON_INTERACTIVE_REASON,
} from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from './action-registry.js';
import { createBuiltinRegistry } from './actions/builtin-actions.js';
import { createCachedProvider } from './cached-provider.js';
import { clockFromEnv } from './clock.js';
import { createNoneProvider } from './none-provider.js';
import { runTask } from './orchestrator.js';
import { verifyRecordHash } from './run-record.js';
import { createTempWorkspace } from './testing/temp-workspace.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let config: AgentConfig;
const clock = clockFromEnv({ SOURCE_DATE_EPOCH: '1700000000' });

beforeEach(async () => {
  ws = await createTempWorkspace();
  config = defaultAgentConfig();
});
afterEach(() => ws.cleanup());

function run(task: string, overrides: { approve?: boolean; root?: string; config?: AgentConfig } = {}) {
  return runTask({
    task,
    workspaceRoot: overrides.root ?? ws.root,
    config: overrides.config ?? config,
    registry: createBuiltinRegistry(),
    approvalGate: createApprovalGate({ approveAll: overrides.approve ?? false }),
    clock,
  });
}

describe('runTask', () => {
  it('plans, executes and accepts an explicit fs.write, writing the file atomically', async () => {
    const record = await run('action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}');
    expect(record.status).toBe('ok');
    expect(record.captured_at).toBe('2023-11-14T22:13:20Z');
    expect(record.steps.map((s) => [s.role, s.kind, s.status])).toEqual([
      ['manager', 'plan', 'ok'],
      ['worker', 'action', 'ok'],
      ['reviewer', 'review', 'ok'],
    ]);
    expect(record.actions[0]).toMatchObject({
      action: 'fs.write',
      worker_id: 'worker-1',
      ok: true,
      denied: false,
    });
    expect(record.outputs.artifacts).toEqual(['.sdetkit/agent/workdir/a.txt']);
    expect(await readFile(path.join(ws.root, '.sdetkit/agent/workdir/a.txt'), 'utf8')).toBe('x');
    expect(verifyRecordHash(record)).toBe(true);
  });

  it('records an explicit action the same whatever else is registered (the CLI loads only built-ins for it)', async () => {
    const task = 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}';
    const fuller = createBuiltinRegistry().register(
      defineAction({
        id: 'extra.noop',
        description: 'does nothing',
        input: z.strictObject({}),
        examples: [{}],
        keywords: ['write'],
        policy: () => [],
        summarize: () => 'noop',
        handler: async () => ({ ok: true, payload: {} }),
      }),
    );
    const base = { task, workspaceRoot: ws.root, config, approvalGate: createApprovalGate(), clock };
    const minimal = await runTask({ ...base, registry: createBuiltinRegistry() });
    const full = await runTask({ ...base, registry: fuller, provider: createNoneProvider() });
    expect(full.hash).toBe(minimal.hash);
  });

  it('gives the same hash for the same task, config and clock in two different workspace folders', async () => {
    const other = await createTempWorkspace('sdetkit-other-');
    try {
      const task = 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}';
      const a = await run(task);
      const b = await run(task, { root: other.root });
      expect(a.hash).toBe(b.hash);
      expect(JSON.stringify(a)).not.toContain(ws.root);
    } finally {
      await other.cleanup();
    }
  });

  it('records an unknown action as a failed action with status error', async () => {
    const record = await run('action nope.do {}');
    expect(record.status).toBe('error');
    expect(record.actions[0]).toMatchObject({
      action: 'nope.do',
      ok: false,
      denied: false,
      payload: { error: 'unknown action: nope.do' },
    });
  });

  it('records params that fail the schema, naming the field', async () => {
    const record = await run('action fs.write {"path":".sdetkit/agent/workdir/a.txt"}');
    expect(record.status).toBe('error');
    expect(record.actions[0]!.payload).toEqual({
      error: expect.stringMatching(/^invalid params for fs.write: content: /),
    });
  });

  it('denies fs.write outside the allowlist and records the reason', async () => {
    const record = await run('action fs.write {"path":"src/evil.ts","content":"x"}', { approve: true });
    expect(record.status).toBe('error');
    expect(record.actions[0]).toMatchObject({ ok: false, denied: true, approved: false });
    expect(record.actions[0]!.policy.reason).toMatch(/^write denied by allowlist/);
    expect(record.steps[1]!.status).toBe('denied');
  });

  it('refuses ../ and symlink escapes', async () => {
    const dotdot = await run('action fs.write {"path":"../outside.txt","content":"x"}', { approve: true });
    expect(dotdot.actions[0]!.policy.reason).toContain('escapes the workspace');
    const outside = await createTempWorkspace('sdetkit-target-');
    try {
      await symlink(outside.root, path.join(ws.root, '.sdetkit/agent/workdir/link'));
      const viaLink = await run('action fs.write {"path":".sdetkit/agent/workdir/link/x.txt","content":"x"}');
      expect(viaLink.actions[0]).toMatchObject({ denied: true });
      expect(viaLink.actions[0]!.policy.reason).toContain('through a symlink');
      const readLink = await run('action fs.read {"path":".sdetkit/agent/workdir/link/x.txt"}');
      expect(readLink.actions[0]).toMatchObject({ denied: true });
    } finally {
      await outside.cleanup();
    }
  });

  it('denies a shell command that is not allowlisted, even with --approve', async () => {
    const record = await run('action shell.run {"command":"rm -rf ."}', { approve: true });
    expect(record.actions[0]).toMatchObject({ denied: true });
    expect(record.actions[0]!.policy.reason).toMatch(/^command denied by shell allowlist/);
  });

  it('denies dangerous actions without approval when not interactive', async () => {
    config.safety.shell_allowlist = ['node'];
    const record = await run('action shell.run {"argv":["node","-e","1"]}');
    expect(record.actions[0]).toMatchObject({ denied: true, approved: false });
    expect(record.actions[0]!.policy.reason).toBe(NON_INTERACTIVE_REASON);
    expect(record.actions[0]!.policy.approval.method).toBe('non-interactive');
  });

  it('runs an approved, allowlisted shell command and records its exit code', async () => {
    config.safety.shell_allowlist = ['node'];
    const record = await run(
      'action shell.run {"argv":["node","-e","process.stdout.write(\\"hi\\");process.exit(3)"]}',
      {
        approve: true,
      },
    );
    expect(record.actions[0]).toMatchObject({ ok: false, approved: true, denied: false });
    expect(record.actions[0]!.payload).toMatchObject({ exit_code: 3, stdout: 'hi', timed_out: false });
    expect(record.status).toBe('error');
  });

  it('rejects a free-text task that plans nothing, and still records it', async () => {
    const record = await run('make coffee');
    expect(record.status).toBe('error');
    expect(record.actions).toEqual([]);
    expect(record.steps.at(-1)!.message).toContain('nothing was planned');
  });

  it('stops at max_steps and records what did not run', async () => {
    config.budgets.max_steps = 2;
    const record = await run('action fs.read {"path":"x"}');
    expect(record.actions).toEqual([]);
    expect(record.outputs.skipped).toEqual([{ action: 'fs.read', reason: 'budget max_steps=2 reached' }]);
    expect(record.status).toBe('error');
  });

  it('stops at max_actions', async () => {
    config.budgets.max_actions = 0;
    const record = await run('action fs.read {"path":"x"}');
    expect(record.outputs.skipped).toEqual([{ action: 'fs.read', reason: 'budget max_actions=0 reached' }]);
  });

  it('keeps absolute paths out of error messages', async () => {
    const record = await run('action fs.read {"path":"missing.txt"}');
    expect(record.actions[0]!.payload).toEqual({ error: expect.stringContaining('ENOENT') });
    expect(JSON.stringify(record)).not.toContain(ws.root);
  });

  it('lists the provider cache keys it used so a run can be replayed', async () => {
    const provider = createCachedProvider(createNoneProvider(), {
      cacheDir: path.join(ws.root, '.sdetkit/agent/cache'),
      enabled: true,
    });
    await mkdir(path.join(ws.root, '.sdetkit/agent/cache'), { recursive: true });
    const record = await runTask({
      task: 'make coffee',
      workspaceRoot: ws.root,
      config,
      registry: createBuiltinRegistry(),
      approvalGate: createApprovalGate(),
      provider,
      clock,
    });
    expect(record.cache.enabled).toBe(true);
    expect(record.cache.keys).toHaveLength(1);
    expect(record.cache.keys[0]).toMatch(/^[0-9a-f]{64}$/);
    // `none` is recomputed on replay: nothing is stored for it.
    expect(await readdir(path.join(ws.root, '.sdetkit/agent/cache'))).toEqual([]);
  });
});

describe('runTask with a shared cached provider', () => {
  it("records only the run's own cache keys, so records stay independent of earlier runs", async () => {
    const provider = createCachedProvider(createNoneProvider(), {
      cacheDir: path.join(ws.root, '.sdetkit/agent/cache'),
      enabled: true,
    });
    const runWith = (task: string) =>
      runTask({
        task,
        workspaceRoot: ws.root,
        config,
        registry: createBuiltinRegistry(),
        approvalGate: createApprovalGate(),
        provider,
        clock,
      });
    const first = await runWith('first request');
    const second = await runWith('second request');
    const again = await runWith('first request');
    expect(first.cache.keys).toHaveLength(1);
    expect(second.cache.keys).toHaveLength(1);
    expect(second.cache.keys[0]).not.toBe(first.cache.keys[0]);
    expect(again.hash).toBe(first.hash);
  });
});
