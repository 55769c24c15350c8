// dist/sdetkit.cjs, what bin/sdetkit starts: runs the CLI bundle
// (dist/cli.cjs: commander, the command table, start-up) with its V8 code
// cache. CommonJS, so Node.js never starts its ES module loader.
import path from 'node:path';
import { loadBundle } from './bundle-loader.js';
import { CLI_BUNDLE, cacheFile, distDir } from './load-commands.js';

const bundle = path.join(distDir(), CLI_BUNDLE);
void loadBundle<typeof import('./main.js')>(bundle, cacheFile(bundle)).main(process.argv);
