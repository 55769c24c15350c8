import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseScopes, TokenStore } from './service-tokens.js';

let dir: string;
let now: Date;
let store: TokenStore;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-tokens-')));
  now = new Date('2024-01-01T00:00:00Z');
  store = new TokenStore(path.join(dir, 'tokens.json'), () => now);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('TokenStore', () => {
  it('stores only the hash, authenticates the token and lists it without secrets', async () => {
    const { token, info } = await store.create({
      name: 'ci',
      scopes: ['runs:read'],
      tenant: null,
      expiresInSeconds: 90 * 86400,
    });
    expect(token).toMatch(/^sdk_[A-Za-z0-9_-]{32}$/);
    const file = await readFile(path.join(dir, 'tokens.json'), 'utf8');
    expect(file).not.toContain(token);
    expect(await store.authenticate(token)).toMatchObject({
      id: info.id,
      scopes: ['runs:read'],
      status: 'active',
    });
    expect(JSON.stringify(await store.list())).not.toContain('sha256');
  });

  it('refuses unknown, expired and revoked tokens alike', async () => {
    const { token } = await store.create({
      name: 'short',
      scopes: ['runs:read'],
      tenant: null,
      expiresInSeconds: 60,
    });
    expect(await store.authenticate('sdk_unknown')).toBeNull();
    expect(await store.authenticate(undefined)).toBeNull();
    now = new Date('2024-01-01T00:02:00Z');
    expect(await store.authenticate(token)).toBeNull();
    const other = await store.create({
      name: 'other',
      scopes: ['runs:read'],
      tenant: 'acme',
      expiresInSeconds: null,
    });
    await store.revoke('other');
    expect(await store.authenticate(other.token)).toBeNull();
    expect((await store.list()).map((t) => t.status)).toEqual(['expired', 'revoked']);
    await expect(store.revoke('nope')).rejects.toThrow(/no active token nope/);
  });

  it('sees tokens created and revoked by another process (another store on the same file)', async () => {
    const server = new TokenStore(path.join(dir, 'tokens.json'), () => now);
    const { token } = await store.create({
      name: 'ci',
      scopes: ['runs:read'],
      tenant: null,
      expiresInSeconds: null,
    });
    expect(await server.authenticate(token)).toMatchObject({ name: 'ci' });
    expect(await server.authenticate(token)).toMatchObject({ name: 'ci' });
    await store.revoke('ci');
    expect(await server.authenticate(token)).toBeNull();
  });

  it('names the file and the field when the token file is damaged, and leaves it as it is', async () => {
    const file = path.join(dir, 'tokens.json');
    const create = () =>
      store.create({ name: 'ci', scopes: ['runs:read'], tenant: null, expiresInSeconds: null });
    await writeFile(file, '{"tokens": [');
    await expect(store.list()).rejects.toThrow(`${file}: not valid JSON`);
    await expect(create()).rejects.toThrow(`${file}: not valid JSON`);
    expect(await readFile(file, 'utf8')).toBe('{"tokens": [');
    await writeFile(file, JSON.stringify({ tokens: [{ id: 'x' }] }));
    const error = (await store.list().catch((e: unknown) => e)) as Error;
    expect(error.message.startsWith(`${file}: not a token file (tokens.0.`)).toBe(true);
    expect(error.message).toMatch(/\(tokens\.0\.\w+: .+\)$/);
    const named = new TokenStore(file, () => now, '.sdetkit/agent/tokens.json');
    await expect(named.list()).rejects.toThrow(
      /^\.sdetkit\/agent\/tokens\.json: not a token file \(tokens\.0\./,
    );
  });

  it('validates scopes and names', async () => {
    expect(parseScopes('runs:write, runs:read')).toEqual(['runs:read', 'runs:write']);
    expect(() => parseScopes('root')).toThrow(/unknown scope root/);
    await expect(
      store.create({ name: 'bad name!', scopes: ['runs:read'], tenant: null, expiresInSeconds: null }),
    ).rejects.toThrow(/--name/);
  });
});
