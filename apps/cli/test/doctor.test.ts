import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(() => ws.cleanup());

type Doctor = { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };

describe('sdetkit agent doctor', () => {
  it('passes on a fresh init', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const result = await runCli(ws.root, ['agent', 'doctor']);
    expect(result.code).toBe(0);
    const doctor = result.json as Doctor;
    expect(doctor.ok).toBe(true);
    expect(doctor.checks.map((c) => c.name)).toEqual([
      'config',
      'provider',
      'budgets',
      'write_allowlist',
      'shell_allowlist',
      'tool_bridge',
      'workdir',
      'history',
      'service_tokens',
      'server',
    ]);
    expect(doctor.checks.slice(-2)).toEqual([
      { name: 'service_tokens', ok: true, detail: 'none in .sdetkit/agent/tokens.json' },
      { name: 'server', ok: true, detail: 'no sdetkit server on this machine serves this workspace' },
    ]);
  });

  it('reads the service tokens as the server does, and fails on a damaged token file', async () => {
    await runCli(ws.root, ['agent', 'init']);
    await runCli(ws.root, ['agent', 'tokens', 'create', '--name', 'ci', '--scopes', 'runs:read']);
    await runCli(ws.root, ['agent', 'tokens', 'create', '--name', 'old', '--scopes', 'runs:read']);
    await runCli(ws.root, ['agent', 'tokens', 'revoke', 'old']);
    const tokens = (doctor: Doctor) => doctor.checks.find((c) => c.name === 'service_tokens');
    const fine = await runCli(ws.root, ['agent', 'doctor']);
    expect([fine.code, tokens(fine.json as Doctor)?.detail]).toEqual([
      0,
      '1 active of 2 in .sdetkit/agent/tokens.json',
    ]);
    await writeFile(path.join(ws.root, '.sdetkit/agent/tokens.json'), '{"tokens": [');
    const damaged = await runCli(ws.root, ['agent', 'doctor']);
    expect(damaged.code).toBe(1);
    expect(tokens(damaged.json as Doctor)).toEqual({
      name: 'service_tokens',
      ok: false,
      detail: '.sdetkit/agent/tokens.json: not valid JSON',
    });
  });

  it('fails with exit 1 and names the config line when the config is malformed', async () => {
    await runCli(ws.root, ['agent', 'init']);
    await writeFile(path.join(ws.root, '.sdetkit/agent/config.yaml'), 'safety:\n  shell_allowlist: "ls"\n');
    const result = await runCli(ws.root, ['agent', 'doctor']);
    expect(result.code).toBe(1);
    const config = (result.json as Doctor).checks.find((c) => c.name === 'config')!;
    expect(config.ok).toBe(false);
    expect(config.detail).toMatch(/config\.yaml:2: safety\.shell_allowlist/);
  });

  it('flags budgets that can never be reached, shell operators and escaping allowlist entries', async () => {
    await runCli(ws.root, ['agent', 'init']);
    await writeFile(
      path.join(ws.root, '.sdetkit/agent/config.yaml'),
      'budgets: {max_steps: 4, max_actions: 4}\nsafety:\n  write_allowlist: ["../outside"]\n  shell_allowlist: ["ls; rm -rf /"]\n',
    );
    const doctor = (await runCli(ws.root, ['agent', 'doctor'])).json as Doctor;
    const failing = doctor.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failing).toEqual(['budgets', 'write_allowlist', 'shell_allowlist']);
  });

  it('checks configured MCP servers without starting them', async () => {
    await runCli(ws.root, ['agent', 'init']);
    await writeFile(
      path.join(ws.root, '.sdetkit/agent/config.yaml'),
      'tools:\n  mcp:\n    servers:\n      ok: {command: node, allow: [echo]}\n      gone: {command: no-such-mcp-server}\n',
    );
    const doctor = (await runCli(ws.root, ['agent', 'doctor'])).json as Doctor;
    expect(doctor.checks.find((c) => c.name === 'tool_bridge')).toEqual({
      name: 'tool_bridge',
      ok: false,
      detail: 'gone: command no-such-mcp-server not found',
    });
  });

  it('reports a missing config and workdir as failed checks', async () => {
    const result = await runCli(ws.root, ['agent', 'doctor']);
    expect(result.code).toBe(1);
    const doctor = result.json as Doctor;
    expect(doctor.checks.find((c) => c.name === 'config')!.detail).toMatch(/config\.yaml not found/);
    expect(doctor.checks.find((c) => c.name === 'workdir')!.ok).toBe(false);
  });
});
