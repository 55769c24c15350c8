// Hostile template packs: tar entries that are absolute, climb with `..`, are
// symlinks, hard links, devices or FIFOs, claim huge sizes, repeat, or are
// not tar at all. verify refuses them with an error naming the entry, install
// writes nothing, and nothing appears outside the target.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isSdetkitError } from '@sdetkit/policy';
import { installPack, packTemplates, parseTemplate, readTarFiles, verifyPack } from '@sdetkit/templates';
import fc from 'fast-check';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, runCli, SUITE_SEED, scaled, tempWorkspace } from '../src/index.js';

const RUNS = scaled(150, 3000);

type Entry = { name: string; type?: tar.Headers['type']; linkname?: string; data?: string; size?: number };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => pack.on('end', resolve));
  for (const e of entries) {
    const type = e.type ?? 'file';
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        { name: e.name, type, linkname: e.linkname, mode: 0o644, mtime: new Date(0) },
        type === 'file' ? (e.data ?? 'x') : undefined,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A ustar header that claims `size` bytes and carries none of them. */
function hugeEntryTar(size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write('automations/huge.yaml', 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([header, Buffer.alloc(1024)]);
}

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let goodPack: Buffer;
beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-hostile-packs-');
  const template = parseTemplate(
    'metadata:\n  id: ok\n  title: OK\n  version: 1.0.0\n  description: fine\nworkflow:\n  - id: a\n    action: fs.read\n    with:\n      path: README.md\n',
    'ok.yaml',
  );
  goodPack = (await packTemplates([template])).archive;
});
afterAll(() => ws.cleanup());

const target = () => ({
  absolute: path.join(ws.root, 'ws/templates/automations'),
  relative: 'templates/automations',
});

async function expectRefused(archive: Buffer, why: RegExp): Promise<void> {
  let result: Awaited<ReturnType<typeof verifyPack>> | undefined;
  try {
    result = await verifyPack(archive, 'hostile.tar');
  } catch (error) {
    expect(isSdetkitError(error), String(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(why);
  }
  if (result) {
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(why);
  }
  await expect(installPack(archive, 'hostile.tar', target())).rejects.toThrow();
  expect(await listFiles(ws.root)).toEqual([]);
}

describe('hostile template packs', () => {
  const cases: Array<[string, Entry[], RegExp]> = [
    ['absolute path', [{ name: '/etc/sdetkit-pwned' }], /absolute|escapes/],
    ['.. climb', [{ name: '../../sdetkit-pwned' }], /escapes/],
    ['.. in the middle', [{ name: 'automations/../../x.yaml' }], /escapes|normalized/],
    ['backslash climb', [{ name: '..\\..\\x.yaml' }], /escapes|normalized|unexpected|not expected/],
    ['symlink', [{ name: 'automations/x.yaml', type: 'symlink', linkname: '/etc/passwd' }], /symlink/],
    ['hard link', [{ name: 'automations/x.yaml', type: 'link', linkname: '/etc/passwd' }], /link/],
    ['character device', [{ name: 'automations/x.yaml', type: 'character-device' }], /character-device/],
    ['block device', [{ name: 'automations/x.yaml', type: 'block-device' }], /block-device/],
    ['fifo', [{ name: 'automations/x.yaml', type: 'fifo' }], /fifo/],
    ['directory', [{ name: 'automations/', type: 'directory' }], /directory/],
    ['duplicate', [{ name: 'automations/a.yaml' }, { name: 'automations/a.yaml' }], /duplicate/],
    ['NUL byte', [{ name: 'automations/a\0.yaml' }], /NUL|normalized|unexpected|not expected/],
  ];
  for (const [name, entries, why] of cases) {
    it(`refuses ${name}`, async () => {
      await expectRefused(await tarOf(entries), why);
    });
  }

  it('refuses a header claiming 64 GiB without reading or allocating it', async () => {
    const before = process.memoryUsage().rss;
    await expect(readTarFiles(hugeEntryTar(64 * 1024 ** 3))).rejects.toThrow(/huge\.yaml.*larger than/);
    await expectRefused(hugeEntryTar(64 * 1024 ** 3), /larger than/);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses garbage, truncations and one-byte changes of a good pack', async () => {
    const random = fc.sample(fc.integer({ min: 0, max: goodPack.length - 1 }), {
      numRuns: 20,
      seed: SUITE_SEED,
    });
    for (const at of random) {
      const flipped = Buffer.from(goodPack);
      flipped[at] = flipped[at]! ^ 0xff;
      const result = await verifyPack(flipped, 'hostile.tar').catch((error: Error) => {
        expect(isSdetkitError(error), String(error)).toBe(true);
        return undefined;
      });
      // A flip in padding or an unchecked header field may leave every entry intact; a pack
      // that still verifies must then yield exactly the good pack's files.
      if (result?.ok) expect(await readTarFiles(flipped)).toEqual(await readTarFiles(goodPack));
    }
    for (const bytes of [Buffer.alloc(0), Buffer.from('not a tar'), goodPack.subarray(0, 700)]) {
      const result = await verifyPack(bytes, 'hostile.tar').catch(() => undefined);
      expect(result?.ok ?? false).toBe(false);
    }
    expect((await verifyPack(goodPack, 'good.tar')).ok).toBe(true);
  });

  it(`refuses arbitrary hostile entry names and types (seed ${SUITE_SEED}, ${RUNS} runs)`, async () => {
    const name = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
      fc
        .array(fc.constantFrom('..', '.', 'automations', 'a.yaml', '', '/', '\\', '\0', 'ü'), {
          minLength: 1,
          maxLength: 5,
        })
        .map((p) => p.join('/')),
    );
    const type = fc.constantFrom<tar.Headers['type']>('file', 'symlink', 'link', 'fifo', 'directory');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name, type, linkname: fc.constantFrom('/etc/passwd', '../x', 'a.yaml') }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (entries) => {
          let archive: Buffer;
          try {
            archive = await tarOf(entries);
          } catch {
            return; // tar-stream itself cannot encode it
          }
          const result = await verifyPack(archive, 'hostile.tar').catch((error: Error) => {
            expect(isSdetkitError(error), String(error)).toBe(true);
            return undefined;
          });
          expect(result?.ok ?? false).toBe(false);
          await expect(installPack(archive, 'hostile.tar', target())).rejects.toThrow();
          expect(await listFiles(ws.root)).toEqual([]);
        },
      ),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
  });

  it('the CLI refuses a hostile pack with exit 1 or 2 and one clear line', async () => {
    const cli = await tempWorkspace('sdetkit-hostile-pack-cli-');
    try {
      await runCli(cli.root, ['agent', 'init']);
      await writeFile(path.join(cli.root, 'evil.tar'), await tarOf([{ name: '../../evil.yaml' }]));
      for (const command of ['verify', 'install']) {
        const result = await runCli(cli.root, ['agent', 'templates', command, 'evil.tar']);
        expect([1, 2], result.stderr).toContain(result.code);
        expect(result.stderr).toMatch(/^agent error: .*evil\.tar|evil\.yaml|escapes/m);
      }
      // Where '../../evil.yaml' would land from the target folder, from the workspace and from the pack.
      for (const escaped of [
        'evil.yaml',
        '../evil.yaml',
        '../../evil.yaml',
        'templates/automations/evil.yaml',
      ])
        await expect(readFile(path.join(cli.root, escaped))).rejects.toThrow(/ENOENT/);
    } finally {
      await cli.cleanup();
    }
  });
});
