import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyDeniedError } from './errors.js';
import { isInside, normalizeWorkspacePath, resolveWorkspacePath } from './path-guard.js';

let root: string;
let outside: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-guard-')));
  outside = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-outside-')));
  await mkdir(path.join(root, 'inside/deeper'), { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('normalizeWorkspacePath', () => {
  it('normalizes dots, double slashes and trailing slashes', () => {
    expect(normalizeWorkspacePath('./a//b/../c/')).toBe('a/c');
    expect(normalizeWorkspacePath('.')).toBe('.');
  });

  it.each([
    ['../x', /escapes the workspace/],
    ['a/../../x', /escapes the workspace/],
    ['/etc/passwd', /absolute path/],
    ['C:\\Windows', /absolute path/],
    ['a\0b', /NUL byte/],
    ['', /empty/],
  ])('refuses %j', (input, message) => {
    expect(() => normalizeWorkspacePath(input)).toThrow(PolicyDeniedError);
    expect(() => normalizeWorkspacePath(input)).toThrow(message);
  });
});

describe('isInside', () => {
  it('counts names that merely start with two dots as inside, and parents as outside', () => {
    expect(isInside('/w', '/w')).toBe(true);
    expect(isInside('/w', '/w/..notes')).toBe(true);
    expect(isInside('/w', '/w/..∕..')).toBe(true);
    expect(isInside('/w', '/w/a/../b')).toBe(true);
    expect(isInside('/w', '/')).toBe(false);
    expect(isInside('/w', '/w/../x')).toBe(false);
    expect(isInside('/w', '/wx')).toBe(false);
  });

  it('lets a symlink to a `..name` file inside the workspace through', async () => {
    await symlink(path.join(root, '..notes'), path.join(root, 'link'));
    await writeFile(path.join(root, '..notes'), 'x');
    expect((await resolveWorkspacePath(root, 'link')).relative).toBe('link');
  });
});

describe('resolveWorkspacePath', () => {
  it('resolves existing and not-yet-existing paths inside the workspace', async () => {
    expect(await resolveWorkspacePath(root, 'inside/deeper/new/file.txt')).toEqual({
      absolute: path.join(root, 'inside/deeper/new/file.txt'),
      relative: 'inside/deeper/new/file.txt',
    });
  });

  it('refuses a symlinked file whose target leaves the workspace', async () => {
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'inside/link.txt'));
    await expect(resolveWorkspacePath(root, 'inside/link.txt')).rejects.toThrow(/dangling symlink|symlink/);
  });

  it('refuses a path below a symlinked parent directory that points outside', async () => {
    await symlink(outside, path.join(root, 'inside/escape'));
    await expect(resolveWorkspacePath(root, 'inside/escape/new.txt')).rejects.toThrow(
      /escapes the workspace through a symlink/,
    );
  });

  it('follows a symlink that stays inside the workspace', async () => {
    await symlink(path.join(root, 'inside/deeper'), path.join(root, 'alias'));
    const resolved = await resolveWorkspacePath(root, 'alias/x.txt');
    expect(resolved.absolute).toBe(path.join(root, 'inside/deeper/x.txt'));
  });

  it('refuses `..` before touching the disk', async () => {
    await expect(resolveWorkspacePath(root, 'inside/../../etc/passwd')).rejects.toThrow(PolicyDeniedError);
  });
});
