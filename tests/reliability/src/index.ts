export { type CanaryHit, findCanariesIn, listFiles, scanTreeForCanaries } from './canary-scan.js';
export { CLI, cliEnv, collect, type ProcessResult, runCli, spawnCli, tempWorkspace } from './cli-process.js';
export { randomInt, seededRandom } from './seeded-random.js';
export { type ServerProcess, startServer } from './server-process.js';
export { FULL_RUN, SUITE_SEED, scaled } from './suite-scale.js';
