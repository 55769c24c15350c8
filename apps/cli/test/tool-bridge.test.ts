import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

const FIXTURE = fileURLToPath(
  new URL('../../../packages/tool-bridge/test/fixtures/fixture-server.mjs', import.meta.url),
);
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await runCli(ws.root, ['agent', 'init']);
  await writeFile(
    path.join(ws.root, '.sdetkit/agent/config.yaml'),
    `tools:\n  mcp:\n    servers:\n      fixture:\n        command: ${JSON.stringify(process.execPath)}\n        args: [${JSON.stringify(FIXTURE)}]\n        allow: [echo]\n`,
  );
});
afterEach(() => ws.cleanup());

describe('agent run with the MCP tool bridge', () => {
  it('calls an allowlisted tool and denies the rest', async () => {
    const ok = await runCli(ws.root, [
      'agent',
      'run',
      'action mcp.call {"server":"fixture","tool":"echo","arguments":{"text":"via sdetkit"}}',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.stringify(ok.json)).toContain('via sdetkit');
    const denied = await runCli(ws.root, [
      'agent',
      'run',
      'action mcp.call {"server":"fixture","tool":"crash"}',
    ]);
    expect(denied.code).toBe(1);
    expect(denied.json).toMatchObject({
      actions: [{ denied: true, policy: { reason: 'tool denied by allowlist: fixture/crash' } }],
    });
  });
});
