import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const shared = {
  platform: 'node',
  target: 'node20',
  removeNodeProtocol: false,
  sourcemap: false,
  minify: true,
  noExternal: [/.*/],
} as const;

/**
 * zod's classic API re-exports every locale (`z.locales`), and bundling the
 * `z` namespace keeps and initializes all of them at start-up. sdetkit uses
 * only the English messages zod installs by default, so the bundles get a
 * locales module with just `en`.
 */
const englishOnlyZodLocales: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'zod-english-locale-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
        ? { path: new URL('./src/zod-locales-en.ts', import.meta.url).pathname }
        : undefined,
    );
  },
};

// Entry points (see README "How it starts fast"):
// - bin/sdetkit (a shell script) starts dist/sdetkit.cjs, which runs dist/cli.cjs
//   (commander and the command table) with a V8 code cache;
// - dist/commands.cjs holds the command implementations, loaded the same way
//   when a command runs; dist/extra-ca.cjs (undici) only for deferred CAs;
// - dist/sdetkit.js keeps `node dist/sdetkit.js` working;
// - dist/code-cache-tools.js serves scripts/build-code-cache.mjs.
export default defineConfig([
  {
    ...shared,
    entry: { sdetkit: 'src/sdetkit.ts', 'code-cache-tools': 'src/code-cache-tools.ts' },
    format: ['esm'],
    clean: true,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...shared,
    entry: {
      sdetkit: 'src/entry.ts',
      cli: 'src/main.ts',
      commands: 'src/commands/index.ts',
      'extra-ca': 'src/extra-ca-agent.ts',
    },
    format: ['cjs'],
    shims: true,
    outExtension: () => ({ js: '.cjs' }),
    define: { __SDETKIT_VERSION__: JSON.stringify(version) },
    esbuildPlugins: [englishOnlyZodLocales],
  },
]);
