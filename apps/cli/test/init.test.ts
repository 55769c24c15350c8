import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(() => ws.cleanup());

describe('sdetkit agent init', () => {
  it('creates the agent folders and a default config, then is idempotent', async () => {
    const first = await runCli(ws.root, ['agent', 'init']);
    expect(first.code).toBe(0);
    expect(first.json).toEqual({
      created: [
        '.sdetkit/agent/history',
        '.sdetkit/agent/workdir',
        '.sdetkit/agent/cache',
        '.sdetkit/agent/conversations',
        '.sdetkit/agent/rate_limits',
        '.sdetkit/agent/config.yaml',
      ],
    });
    expect(await readFile(path.join(ws.root, '.sdetkit/agent/config.yaml'), 'utf8')).toContain(
      'write_allowlist',
    );
    const second = await runCli(ws.root, ['agent', 'init']);
    expect(second.json).toEqual({ created: [] });
  });

  it('writes the config where --config says', async () => {
    const result = await runCli(ws.root, ['agent', 'init', '--config', 'ci/agent.yaml']);
    expect(result.json).toMatchObject({ created: expect.arrayContaining(['ci/agent.yaml']) });
    expect((await stat(path.join(ws.root, 'ci/agent.yaml'))).isFile()).toBe(true);
  });

  it('refuses a --config outside the workspace with exit 2', async () => {
    const result = await runCli(ws.root, ['agent', 'init', '--config', '../elsewhere.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: --config: path escapes the workspace/);
    expect(result.stdout).toBe('');
  });
});
