// What scripts/build-code-cache.mjs needs, as dist/code-cache-tools.js.
export { createBundleCache } from './bundle-loader.js';
export { CLI_BUNDLE, COMMANDS_BUNDLE, cacheFile } from './load-commands.js';
