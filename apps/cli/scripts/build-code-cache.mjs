// Writes V8 code caches for the bundles, warmed by running commands once in
// a throw-away workspace:
// - dist/commands.cjs.core.v8cache (init, an explicit-action run, history,
//   doctor: small, so everyday commands start fast) and
//   dist/commands.cjs.full.v8cache (every command, free-text runs too);
// - dist/cli.cjs.v8cache (commander and the command table, warmed by
//   `--help` and `agent run`).
// A cache matches the Node.js that built it; V8 rejects it anywhere else and
// the CLI compiles as usual.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_BUNDLE, COMMANDS_BUNDLE, cacheFile, createBundleCache } from '../dist/code-cache-tools.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const commandsBundle = path.join(dist, COMMANDS_BUNDLE);
const cliBundle = path.join(dist, CLI_BUNDLE);
const config = '.sdetkit/agent/config.yaml';
const runOptions = { config, cacheDir: '.sdetkit/agent/cache', cache: true };
const writeTask = 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}';

async function core(commands) {
  await commands.initCommand({ config });
  await commands.runCommand(writeTask, runOptions);
  await commands.historyListCommand({ historyDir: '.sdetkit/agent/history' });
  await commands.doctorCommand({ config });
}

async function full(commands) {
  await core(commands);
  await commands.runCommand('warm up the planner', runOptions);
  await commands.historyExportCommand({ historyDir: '.sdetkit/agent/history', format: 'csv' });
  await commands.dashboardBuildCommand({ historyDir: '.sdetkit/agent/history', format: 'html' });
  await commands.templatesListCommand();
  await commands.templatesRunCommand('report-dashboard', { config, set: [] });
  await commands.demoCommand({ scenario: 'repo-enterprise-audit' });
}

/** The CLI as a user starts it, with its output swallowed. */
async function cli({ main }) {
  const writes = [process.stdout.write, process.stderr.write];
  process.stdout.write = process.stderr.write = () => true;
  try {
    for (const args of [
      ['agent', '--help'],
      ['agent', 'init'],
      ['agent', 'run', writeTask],
    ])
      await main([process.execPath, 'sdetkit', ...args]);
  } finally {
    [process.stdout.write, process.stderr.write] = writes;
    process.exitCode = undefined;
  }
}

async function inWorkspace(work) {
  const previous = process.cwd();
  const workspace = mkdtempSync(path.join(tmpdir(), 'sdetkit-warmup-'));
  try {
    process.chdir(workspace);
    return await work();
  } finally {
    process.chdir(previous);
    rmSync(workspace, { recursive: true, force: true });
  }
}

for (const [profile, warmUp] of [
  ['core', core],
  ['full', full],
]) {
  const cache = await inWorkspace(() => createBundleCache(commandsBundle, warmUp));
  writeFileSync(cacheFile(commandsBundle, profile), cache);
}
writeFileSync(cacheFile(cliBundle), await inWorkspace(() => createBundleCache(cliBundle, cli)));
