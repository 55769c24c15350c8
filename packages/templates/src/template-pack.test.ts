import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeterministicTar, readTarFiles } from './deterministic-tar.js';
import { parseTemplate } from './template-loader.js';
import { installPack, packTemplates, verifyPack } from './template-pack.js';
import { createTemplateWorkspace } from './testing/template-workspace.js';

const yaml = (id: string, version = '1.0.0') =>
  `metadata: {id: ${id}, title: ${id}, version: ${version}, description: d}\nworkflow:\n  - {id: s, action: fs.read, with: {path: x}}\n`;
const templates = () => [parseTemplate(yaml('beta'), 'b.yaml'), parseTemplate(yaml('alpha'), 'a.yaml')];

async function hostileTar(
  entries: {
    name: string;
    type?: 'file' | 'symlink' | 'link' | 'directory';
    data?: string;
    linkname?: string;
  }[],
) {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => pack.on('end', resolve));
  for (const e of entries)
    pack.entry(
      { name: e.name, type: e.type ?? 'file', linkname: e.linkname },
      e.type && e.type !== 'file' ? undefined : (e.data ?? 'x'),
    );
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

let ws: Awaited<ReturnType<typeof createTemplateWorkspace>>;
beforeEach(async () => {
  ws = await createTemplateWorkspace();
});
afterEach(() => ws.cleanup());

describe('packTemplates', () => {
  it('gives byte-identical packs for the same templates in any order, with manifest and catalog', async () => {
    const a = await packTemplates(templates());
    const b = await packTemplates([...templates()].reverse());
    expect(b.sha256).toBe(a.sha256);
    expect(a.files).toEqual([
      'SHA256SUMS',
      'automations/alpha.yaml',
      'automations/beta.yaml',
      'catalog.json',
    ]);
    const files = await readTarFiles(a.archive);
    expect(files.map((f) => f.name)).toEqual([
      'SHA256SUMS',
      'automations/alpha.yaml',
      'automations/beta.yaml',
      'catalog.json',
    ]);
    expect(JSON.parse(files[3]!.data.toString()).templates[0]).toMatchObject({
      id: 'alpha',
      version: '1.0.0',
      file: 'automations/alpha.yaml',
    });
  });

  it('writes fixed tar headers (mtime 0, uid/gid 0, no names)', async () => {
    const archive = await createDeterministicTar([{ name: 'a.txt', data: Buffer.from('a') }]);
    const extract = tar.extract();
    const headers: tar.Headers[] = [];
    extract.on('entry', (header, stream, next) => {
      headers.push(header);
      stream.resume();
      stream.on('end', next);
    });
    await new Promise((resolve) => {
      extract.on('finish', resolve);
      extract.end(archive);
    });
    expect(headers[0]).toMatchObject({
      mtime: new Date(0),
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      mode: 0o644,
    });
  });
});

describe('verifyPack', () => {
  it('accepts an intact pack', async () => {
    const pack = await packTemplates(templates());
    expect(await verifyPack(pack.archive, 'p.tar')).toMatchObject({ ok: true, problems: [] });
  });

  it('catches a one-byte change in a template', async () => {
    const pack = await packTemplates(templates());
    const tampered = Buffer.from(pack.archive);
    const at = tampered.indexOf('title: alpha');
    tampered[at + 7] = 'A'.charCodeAt(0);
    const result = await verifyPack(tampered, 'p.tar');
    expect(result.ok).toBe(false);
    expect(result.problems).toContain('automations/alpha.yaml: checksum mismatch');
  });

  it.each([
    [[{ name: '../evil.yaml' }], /escapes the workspace/],
    [[{ name: '/etc/passwd' }], /absolute path/],
    [[{ name: 'link', type: 'symlink' as const, linkname: '/etc/passwd' }], /type symlink is not allowed/],
    [[{ name: 'hard', type: 'link' as const, linkname: 'x' }], /type link is not allowed/],
    [[{ name: 'a/./b.yaml' }], /not a normalized relative path/],
  ])('refuses hostile entries %#', async (entries, message) => {
    const result = await verifyPack(await hostileTar(entries), 'p.tar');
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatch(message);
  });

  it('refuses an unexpected extra entry and a garbage archive', async () => {
    const files = await readTarFiles((await packTemplates(templates())).archive);
    const extra = await createDeterministicTar([
      ...files,
      { name: 'scripts/run.sh', data: Buffer.from('rm -rf /') },
    ]);
    expect((await verifyPack(extra, 'p.tar')).problems).toContain(
      'scripts/run.sh: unexpected entry (not in SHA256SUMS)',
    );
    expect((await verifyPack(Buffer.from('not a tar at all'.repeat(64)), 'p.tar')).ok).toBe(false);
  });
});

describe('installPack', () => {
  const target = () => ({
    absolute: path.join(ws.root, 'templates/automations'),
    relative: 'templates/automations',
  });

  it('installs verified templates and is idempotent', async () => {
    const pack = await packTemplates(templates());
    expect(await installPack(pack.archive, 'p.tar', target())).toMatchObject({
      installed: ['templates/automations/alpha.yaml', 'templates/automations/beta.yaml'],
    });
    expect(await installPack(pack.archive, 'p.tar', target())).toMatchObject({
      installed: [],
      unchanged: expect.any(Array),
    });
    expect(await readFile(path.join(ws.root, 'templates/automations/alpha.yaml'), 'utf8')).toBe(
      yaml('alpha'),
    );
  });

  it('writes nothing when the pack fails verification', async () => {
    const evil = await hostileTar([{ name: '../../outside.yaml', data: yaml('x') }]);
    await expect(installPack(evil, 'p.tar', target())).rejects.toThrow(/verification failed/);
    await expect(readdir(path.join(ws.root, 'templates'))).rejects.toThrow();
  });

  it('refuses to replace a locally changed template unless forced', async () => {
    await mkdir(target().absolute, { recursive: true });
    await writeFile(path.join(target().absolute, 'alpha.yaml'), yaml('alpha', '0.9.0'));
    const pack = await packTemplates(templates());
    await expect(installPack(pack.archive, 'p.tar', target())).rejects.toThrow(
      /differs from the pack's version; use --force/,
    );
    expect(await readFile(path.join(target().absolute, 'alpha.yaml'), 'utf8')).toContain('0.9.0');
    await installPack(pack.archive, 'p.tar', target(), { force: true });
    expect(await readFile(path.join(target().absolute, 'alpha.yaml'), 'utf8')).toContain('1.0.0');
  });
});
