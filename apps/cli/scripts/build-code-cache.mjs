// Writes dist/commands.cjs.v8cache: V8's compiled code for the command
// bundle, warmed by running the common commands once in a throw-away
// workspace. The cache matches the Node.js that built it; V8 rejects it
// anywhere else and the CLI then simply compiles as usual.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_CACHE_SUFFIX, COMMANDS_BUNDLE, createCodeCache } from '../dist/code-cache-tools.js';

const bundle = fileURLToPath(new URL(`../dist/${COMMANDS_BUNDLE}`, import.meta.url));
const workspace = mkdtempSync(path.join(tmpdir(), 'sdetkit-warmup-'));
const previous = process.cwd();
try {
  process.chdir(workspace);
  const cache = await createCodeCache(bundle, async (commands) => {
    const config = '.sdetkit/agent/config.yaml';
    await commands.initCommand({ config });
    await commands.runCommand('action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}', {
      config,
      cacheDir: '.sdetkit/agent/cache',
      cache: true,
    });
    await commands.runCommand('warm up the planner', {
      config,
      cacheDir: '.sdetkit/agent/cache',
      cache: true,
    });
    await commands.historyListCommand({ historyDir: '.sdetkit/agent/history' });
    await commands.historyExportCommand({ historyDir: '.sdetkit/agent/history', format: 'csv' });
    await commands.doctorCommand({ config });
    await commands.dashboardBuildCommand({ historyDir: '.sdetkit/agent/history', format: 'html' });
    await commands.templatesListCommand();
    await commands.templatesRunCommand('report-dashboard', { config, set: [] });
    await commands.demoCommand({ scenario: 'repo-enterprise-audit' });
  });
  writeFileSync(`${bundle}${CODE_CACHE_SUFFIX}`, cache);
} finally {
  process.chdir(previous);
  rmSync(workspace, { recursive: true, force: true });
}
