import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBuiltinRegistry, runTask } from '@sdetkit/core-runs';
import { type AgentConfig, createApprovalGate, parseAgentConfig } from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mcpCallAction, mcpListAction } from '../src/mcp-actions.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fixture-server.mjs', import.meta.url));
let root: string;
beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-mcp-')));
  process.env.SDETKIT_MCP_ALLOWED = 'visible';
  process.env.SDETKIT_MCP_SECRET = 'must-not-leak';
});
afterEach(() => rm(root, { recursive: true, force: true }));

function config(extra = ''): AgentConfig {
  return parseAgentConfig(
    `tools:
  mcp:
    timeout_ms: 8000
    result_limit_bytes: 2048
    servers:
      fixture:
        command: ${process.execPath}
        args: [${JSON.stringify(FIXTURE)}]
        env-allowlist: [SDETKIT_MCP_ALLOWED, SDETKIT_MCP_TOKEN]
        allow: [echo, slow, crash, env, env_value, big, fail]
${extra}`,
    'config.yaml',
  );
}

const run = (task: string, c = config()) =>
  runTask({
    task,
    workspaceRoot: root,
    config: c,
    registry: createBuiltinRegistry().register(mcpCallAction).register(mcpListAction),
    approvalGate: createApprovalGate(),
  });

describe('mcp bridge', () => {
  it('calls an allowlisted tool and records its result', async () => {
    const record = await run(
      'action mcp.call {"server":"fixture","tool":"echo","arguments":{"text":"hello"}}',
    );
    expect(record.status).toBe('ok');
    expect(record.actions[0]!.payload).toMatchObject({
      server: 'fixture',
      tool: 'echo',
      is_error: false,
      result: { content: [{ type: 'text', text: 'hello' }] },
    });
  });

  it('lists tools with their allowlist status', async () => {
    const record = await run('action mcp.list {"server":"fixture"}');
    const tools = (record.actions[0]!.payload as { tools: { name: string; allowed: boolean }[] }).tools;
    expect(tools.find((t) => t.name === 'forbidden')).toMatchObject({ allowed: false });
    expect(tools.find((t) => t.name === 'echo')).toMatchObject({ allowed: true });
  });

  it('denies a tool not on the allowlist and an unconfigured server, recorded, without starting anything', async () => {
    const forbidden = await run('action mcp.call {"server":"fixture","tool":"forbidden"}');
    expect(forbidden.actions[0]).toMatchObject({
      denied: true,
      policy: { reason: 'tool denied by allowlist: fixture/forbidden' },
    });
    const unknown = await run('action mcp.call {"server":"nope","tool":"echo"}');
    expect(unknown.actions[0]!.policy.reason).toBe('mcp server nope is not configured (tools.mcp.servers)');
  });

  it('starts the server with a minimal environment', async () => {
    const record = await run('action mcp.call {"server":"fixture","tool":"env"}');
    const names = JSON.stringify(record.actions[0]!.payload);
    expect(names).toContain('SDETKIT_MCP_ALLOWED');
    expect(names).not.toContain('SDETKIT_MCP_SECRET');
  });

  it('keeps an allowlisted secret-looking value out of the record', async () => {
    process.env.SDETKIT_MCP_TOKEN = 'canary-mcp-token-42';
    try {
      const allowed = await run(
        'action mcp.call {"server":"fixture","tool":"env_value","arguments":{"name":"SDETKIT_MCP_TOKEN"}}',
      );
      expect(allowed.actions[0]!.payload).toMatchObject({ result: { content: [{ text: '[REDACTED]' }] } });
      const withheld = await run(
        'action mcp.call {"server":"fixture","tool":"env_value","arguments":{"name":"SDETKIT_MCP_SECRET"}}',
      );
      expect(withheld.actions[0]!.payload).toMatchObject({ result: { content: [{ text: '' }] } });
      expect(JSON.stringify([allowed, withheld])).not.toMatch(/canary-mcp-token-42|must-not-leak/);
    } finally {
      delete process.env.SDETKIT_MCP_TOKEN;
    }
  });

  it('kills a tool that hangs at the timeout', async () => {
    const c = config();
    c.tools.mcp.servers.fixture!.timeout_ms = 1500;
    const started = Date.now();
    const record = await run(
      'action mcp.call {"server":"fixture","tool":"slow","arguments":{"ms":30000}}',
      c,
    );
    expect(Date.now() - started).toBeLessThan(8000);
    expect(record.actions[0]).toMatchObject({ ok: false, payload: { kind: 'timeout' } });
  });

  it('reports a crashing server and a missing command as failed actions', async () => {
    const crash = await run('action mcp.call {"server":"fixture","tool":"crash"}');
    expect(crash.actions[0]).toMatchObject({ ok: false });
    const c = config();
    c.tools.mcp.servers.fixture!.command = 'definitely-not-an-mcp-server';
    const missing = await run(
      'action mcp.call {"server":"fixture","tool":"echo","arguments":{"text":"x"}}',
      c,
    );
    expect(missing.actions[0]).toMatchObject({ ok: false });
    expect(String((missing.actions[0]!.payload as { error: string }).error)).toMatch(
      /definitely-not-an-mcp-server/,
    );
  });

  it('caps large results and records tool errors as failures', async () => {
    const big = await run('action mcp.call {"server":"fixture","tool":"big","arguments":{"bytes":50000}}');
    expect(big.actions[0]!.payload).toMatchObject({ truncated: true });
    expect(JSON.stringify(big).length).toBeLessThan(20000);
    const fail = await run('action mcp.call {"server":"fixture","tool":"fail"}');
    expect(fail.actions[0]).toMatchObject({ ok: false, payload: { is_error: true } });
  });
});
