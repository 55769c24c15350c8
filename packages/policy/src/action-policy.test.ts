import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizeAction, evaluatePolicy } from './action-policy.js';
import { createApprovalGate, NON_INTERACTIVE_REASON } from './approval-gate.js';
import { type AgentConfig, defaultAgentConfig } from './config-schema.js';

let root: string;
let config: AgentConfig;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-policy-')));
  config = defaultAgentConfig();
  config.safety.write_allowlist = ['.sdetkit/agent/workdir', 'reports'];
  config.safety.shell_allowlist = ['echo'];
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('evaluatePolicy', () => {
  it('allows a write inside the workdir without approval', async () => {
    const verdict = await evaluatePolicy([{ kind: 'write', path: '.sdetkit/agent/workdir/a.txt' }], {
      workspaceRoot: root,
      config,
    });
    expect(verdict).toEqual({ verdict: 'allowed', reason: 'allowed' });
  });

  it('denies a write outside the allowlist with the contract reason', async () => {
    const verdict = await evaluatePolicy([{ kind: 'write', path: 'src/index.ts' }], {
      workspaceRoot: root,
      config,
    });
    expect(verdict.verdict).toBe('denied');
    expect(verdict.reason).toMatch(/^write denied by allowlist/);
  });

  it('needs approval for an allowlisted write outside the workdir', async () => {
    const verdict = await evaluatePolicy([{ kind: 'write', path: 'reports/a.md' }], {
      workspaceRoot: root,
      config,
    });
    expect(verdict.verdict).toBe('needs_approval');
  });

  it('lets a template write its own output folder without approval', async () => {
    const verdict = await evaluatePolicy([{ kind: 'write', path: 'out/t/x.json' }], {
      workspaceRoot: root,
      config,
      extraWriteRoots: ['out/t'],
    });
    expect(verdict.verdict).toBe('allowed');
  });

  it('denies a path escape even on read', async () => {
    const verdict = await evaluatePolicy([{ kind: 'read', path: '../etc/passwd' }], {
      workspaceRoot: root,
      config,
    });
    expect(verdict.verdict).toBe('denied');
    expect(verdict.reason).toContain('escapes the workspace');
  });

  it('denies a command that is not allowlisted, and always asks approval for one that is', async () => {
    const denied = await evaluatePolicy([{ kind: 'exec', argv: ['rm', '-rf', '.'] }], {
      workspaceRoot: root,
      config,
    });
    expect(denied.verdict).toBe('denied');
    const allowed = await evaluatePolicy([{ kind: 'exec', argv: ['echo', 'hi'] }], {
      workspaceRoot: root,
      config,
    });
    expect(allowed.verdict).toBe('needs_approval');
  });
});

describe('authorizeAction', () => {
  const exec = [{ kind: 'exec', argv: ['echo', 'hi'] }] as const;

  it('denies dangerous actions without a TTY and records why', async () => {
    const result = await authorizeAction(
      'shell.run',
      'echo hi',
      exec,
      { workspaceRoot: root, config },
      createApprovalGate(),
    );
    expect(result.allowed).toBe(false);
    expect(result.reason).toBe(NON_INTERACTIVE_REASON);
    expect(result.approval).toMatchObject({ required: true, approved: false, method: 'non-interactive' });
  });

  it('approves with --approve', async () => {
    const gate = createApprovalGate({ approveAll: true });
    const result = await authorizeAction('shell.run', 'echo hi', exec, { workspaceRoot: root, config }, gate);
    expect(result.allowed).toBe(true);
    expect(result.approval.method).toBe('flag');
  });

  it.each([
    ['y\n', true],
    ['yes\n', true],
    ['\n', false],
    ['n\n', false],
  ])('prompts [y/N] on a TTY and answers %j as approved=%s', async (answer, approved) => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk) => {
      shown += String(chunk);
    });
    const gate = createApprovalGate({ prompt: { input, output } });
    const pending = authorizeAction('shell.run', 'echo hi', exec, { workspaceRoot: root, config }, gate);
    input.write(answer);
    const result = await pending;
    expect(shown).toContain('[y/N]');
    expect(result.allowed).toBe(approved);
    expect(result.approval.method).toBe('prompt');
  });

  it('never asks the gate about a denied action', async () => {
    let asked = false;
    const gate = {
      async decide() {
        asked = true;
        return { required: true, approved: true, method: 'flag' as const, reason: 'x' };
      },
    };
    const result = await authorizeAction(
      'fs.write',
      'w',
      [{ kind: 'write', path: 'src/x' }],
      { workspaceRoot: root, config },
      gate,
    );
    expect(asked).toBe(false);
    expect(result.allowed).toBe(false);
  });
});
