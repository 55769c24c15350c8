import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderPrefix } from './folder-prefix.js';

describe('folderPrefix', () => {
  it('puts before a file name exactly what path.join would', () => {
    const folders = ['', '.', 'a', 'a/', 'a//b/', '/', '/x/y', './a/./b', 'a/../b', '..', '../up'];
    for (const join of [path.posix.join, path.win32.join, path.join]) {
      for (const folder of [...folders, ...folders.map((f) => f.replaceAll('/', '\\'))]) {
        expect(folderPrefix(folder, join) + 'f00d.json', folder).toBe(join(folder, 'f00d.json'));
      }
    }
  });

  it('uses the platform path.join by default', () => {
    expect(folderPrefix('a/b/../c')).toBe(path.join('a/b/../c', 'x').slice(0, -1));
  });
});
