import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await runCli(ws.root, ['agent', 'init']);
});
afterEach(() => ws.cleanup());

describe('sdetkit agent tokens', () => {
  it('creates a token shown once, lists it without secrets and revokes it', async () => {
    const created = await runCli(ws.root, [
      'agent',
      'tokens',
      'create',
      '--name',
      'ci',
      '--scopes',
      'runs:read,dashboard:read',
      '--expires',
      '90d',
    ]);
    expect(created.code).toBe(0);
    const { token, id } = created.json as { token: string; id: string };
    expect(token).toMatch(/^sdk_/);
    expect(await readFile(path.join(ws.root, '.sdetkit/agent/tokens.json'), 'utf8')).not.toContain(token);
    const list = await runCli(ws.root, ['agent', 'tokens', 'list']);
    expect(list.json).toMatchObject({
      tokens: [{ id, name: 'ci', scopes: ['dashboard:read', 'runs:read'], status: 'active' }],
    });
    expect(list.stdout).not.toContain(token);
    expect((await runCli(ws.root, ['agent', 'tokens', 'revoke', 'ci'])).json).toMatchObject({
      revoked: { status: 'revoked' },
    });
  });

  it('names the damaged token file by its workspace path and leaves it as it is', async () => {
    const file = path.join(ws.root, '.sdetkit/agent/tokens.json');
    await writeFile(file, '{"tokens": [');
    for (const command of [['list'], ['create', '--name', 'x', '--scopes', 'runs:read']]) {
      const result = await runCli(ws.root, ['agent', 'tokens', ...command]);
      expect([result.code, result.stderr]).toEqual([
        2,
        'agent error: .sdetkit/agent/tokens.json: not valid JSON\n',
      ]);
    }
    expect(await readFile(file, 'utf8')).toBe('{"tokens": [');
  });

  it('rejects unknown scopes, bad tenants and bad durations with exit 2', async () => {
    const scope = await runCli(ws.root, ['agent', 'tokens', 'create', '--name', 'x', '--scopes', 'admin']);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toMatch(/^agent error: --scopes: unknown scope admin/);
    const readerWith = (...flags: string[]) =>
      runCli(ws.root, ['agent', 'tokens', 'create', '--name', 'x', '--scopes', 'runs:read', ...flags]);
    expect((await readerWith('--tenant', '../x')).code).toBe(2);
    expect((await readerWith('--expires', 'soon')).code).toBe(2);
    const expired = await readerWith('--expires', '0d');
    expect([expired.code, expired.stderr.trim()]).toEqual([
      2,
      'agent error: --expires: must be longer than 0, got "0d"',
    ]);
    expect(JSON.parse((await runCli(ws.root, ['agent', 'tokens', 'list'])).stdout).tokens).toEqual([]);
    expect((await runCli(ws.root, ['agent', 'tokens', 'revoke', 'nope'])).code).toBe(2);
  });
});
