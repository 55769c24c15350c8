import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@sdetkit/core-runs';
import { AGENT_DIR, AGENT_SUBDIRS, renderDefaultConfigYaml } from '@sdetkit/policy';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

async function exists(absolute: string): Promise<boolean> {
  return stat(absolute).then(
    () => true,
    () => false,
  );
}

/** Creates `.sdetkit/agent/` folders and a default config if missing; idempotent. */
export async function initCommand(opts: { config: string }): Promise<CommandResult> {
  const created: string[] = [];
  const configPath = await resolveFlagPath('--config', opts.config);
  for (const sub of AGENT_SUBDIRS) {
    const dir = await resolveFlagPath('agent folder', path.posix.join(AGENT_DIR, sub));
    if (await exists(dir.absolute)) continue;
    await mkdir(dir.absolute, { recursive: true });
    created.push(dir.relative);
  }
  if (!(await exists(configPath.absolute))) {
    await writeFileAtomic(configPath.absolute, renderDefaultConfigYaml());
    created.push(configPath.relative);
  }
  return { output: { created }, exitCode: 0 };
}
