// Writes V8 code caches for the command bundle, warmed by running commands
// once in a throw-away workspace: dist/commands.cjs.core.v8cache (init, run,
// history, doctor: small, so everyday commands start fast) and
// dist/commands.cjs.full.v8cache (every command). A cache matches the Node.js
// that built it; V8 rejects it anywhere else and the CLI compiles as usual.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS_BUNDLE, cacheFile, createCodeCache } from '../dist/code-cache-tools.js';

const bundle = fileURLToPath(new URL(`../dist/${COMMANDS_BUNDLE}`, import.meta.url));
const config = '.sdetkit/agent/config.yaml';
const runOptions = { config, cacheDir: '.sdetkit/agent/cache', cache: true };

async function core(commands) {
  await commands.initCommand({ config });
  await commands.runCommand(
    'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}',
    runOptions,
  );
  await commands.runCommand('warm up the planner', runOptions);
  await commands.historyListCommand({ historyDir: '.sdetkit/agent/history' });
  await commands.doctorCommand({ config });
}

async function full(commands) {
  await core(commands);
  await commands.historyExportCommand({ historyDir: '.sdetkit/agent/history', format: 'csv' });
  await commands.dashboardBuildCommand({ historyDir: '.sdetkit/agent/history', format: 'html' });
  await commands.templatesListCommand();
  await commands.templatesRunCommand('report-dashboard', { config, set: [] });
  await commands.demoCommand({ scenario: 'repo-enterprise-audit' });
}

const previous = process.cwd();
for (const [profile, warmUp] of [
  ['core', core],
  ['full', full],
]) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'sdetkit-warmup-'));
  try {
    process.chdir(workspace);
    writeFileSync(cacheFile(bundle, profile), await createCodeCache(bundle, warmUp));
  } finally {
    process.chdir(previous);
    rmSync(workspace, { recursive: true, force: true });
  }
}
