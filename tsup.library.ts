import type { Options } from 'tsup';

/** The build every library package shares: ESM, declarations, Node 20, keeps `node:` imports. */
export function libraryBuild(entry: string[] = ['src/index.ts'], extra: Options = {}): Options {
  return {
    entry,
    format: ['esm'],
    dts: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    removeNodeProtocol: false,
    sourcemap: true,
    ...extra,
  };
}
