import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBuiltinRegistry } from '@sdetkit/core-runs';
import { createApprovalGate, defaultAgentConfig } from '@sdetkit/policy';
import { artifactsBundleAction } from '../artifacts-bundle-action.js';
import { createReportRenderAction } from '../report-render-action.js';
import { parseTemplate } from '../template-loader.js';

export async function createTemplateWorkspace() {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-tpl-')));
  await mkdir(path.join(root, '.sdetkit/agent/workdir'), { recursive: true });
  const registry = createBuiltinRegistry()
    .register(artifactsBundleAction)
    .register(createReportRenderAction(async (name) => path.join(root, 'templates', name)));
  const config = defaultAgentConfig();
  return {
    root,
    registry,
    config,
    gate: createApprovalGate(),
    template: (yaml: string, source = 'templates/automations/t.yaml') => parseTemplate(yaml, source),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Every file below `dir` with its content, for before/after comparisons. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (current: string, prefix: string) => {
    for (const name of (await readdir(current)).sort()) {
      const absolute = path.join(current, name);
      const relative = prefix ? `${prefix}/${name}` : name;
      if ((await stat(absolute)).isDirectory()) {
        out[`${relative}/`] = '';
        await walk(absolute, relative);
      } else out[relative] = await readFile(absolute, 'utf8');
    }
  };
  await walk(dir, '');
  return out;
}
