import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { clockFromEnv, writeFileAtomic } from '@sdetkit/core-runs';
import {
  AGENT_DIR,
  type AgentConfig,
  defaultAgentConfig,
  loadAgentConfig,
  ValidationError,
} from '@sdetkit/policy';
import {
  installPack,
  type LoadedTemplate,
  lintTemplates,
  loadTemplateDir,
  packTemplates,
  parseSetFlags,
  planTemplate,
  REPO_TEMPLATES_DIR,
  runTemplate,
  type TemplateLint,
  verifyPack,
} from '@sdetkit/templates';
import { builtinCatalogDir, createAgentRuntime } from '../agent-runtime.js';
import { cliApprovalGate } from '../approval.js';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

export const DEFAULT_PACK_OUTPUT = `${AGENT_DIR}/templates/automation-templates.tar`;

/** Templates run under the workspace's config when it has one, else under the (strict) defaults. */
async function configOrDefaults(flag: string): Promise<AgentConfig> {
  const file = await resolveFlagPath('--config', flag);
  const exists = await stat(file.absolute).then(
    () => true,
    () => false,
  );
  return exists ? loadAgentConfig(file.absolute, file.relative) : defaultAgentConfig();
}

async function runtimeFor(approve?: boolean) {
  const approvalGate = cliApprovalGate(approve);
  return { approvalGate, runtime: await createAgentRuntime({ workspaceRoot: process.cwd(), approvalGate }) };
}

export async function templatesListCommand(): Promise<CommandResult> {
  const { runtime } = await runtimeFor();
  const templates = (await runtime.catalog()).list().map((t) => ({
    id: t.definition.metadata.id,
    title: t.definition.metadata.title,
    version: t.definition.metadata.version,
    description: t.definition.metadata.description,
    source: t.source,
  }));
  return { output: { templates }, exitCode: 0 };
}

export async function templatesShowCommand(id: string): Promise<CommandResult> {
  const { runtime } = await runtimeFor();
  const t = (await runtime.catalog()).get(id);
  return {
    output: {
      metadata: t.definition.metadata,
      inputs: t.definition.inputs,
      secrets: t.definition.secrets,
      workflow: t.definition.workflow,
      source: t.source,
      sha256: t.sha256,
    },
    exitCode: 0,
  };
}

export interface TemplatesRunOptions {
  set?: string[];
  outputDir?: string;
  dryRun?: boolean;
  approve?: boolean;
  config: string;
}

export async function templatesRunCommand(id: string, opts: TemplatesRunOptions): Promise<CommandResult> {
  const config = await configOrDefaults(opts.config);
  const { runtime, approvalGate } = await runtimeFor(opts.approve);
  const template = (await runtime.catalog()).get(id);
  const notRegistered = lintTemplates([template], runtime.registry).flatMap((l) => l.problems);
  if (notRegistered.length > 0) throw new ValidationError(notRegistered[0]!);
  const options = {
    template,
    inputs: parseSetFlags(opts.set ?? []),
    ...(opts.outputDir ? { outputDir: opts.outputDir } : {}),
    workspaceRoot: process.cwd(),
    config,
    registry: runtime.registry,
    approvalGate,
    clock: clockFromEnv(),
  };
  if (opts.dryRun) {
    const plan = await planTemplate(options);
    return { output: plan, exitCode: plan.status === 'ok' ? 0 : 1 };
  }
  const record = await runTemplate(options);
  await runtime.ledger.append({ kind: 'template-run', hash: record.hash, captured_at: record.captured_at });
  return { output: record, exitCode: record.status === 'ok' ? 0 : 1 };
}

export async function templatesRunAllCommand(opts: {
  outputDir?: string;
  approve?: boolean;
  config: string;
}): Promise<CommandResult> {
  const config = await configOrDefaults(opts.config);
  const { runtime, approvalGate } = await runtimeFor(opts.approve);
  const templates = (await runtime.catalog()).list();
  const runs = [];
  for (const template of templates) {
    const id = template.definition.metadata.id;
    const record = await runTemplate({
      template,
      ...(opts.outputDir ? { outputDir: path.posix.join(opts.outputDir, id) } : {}),
      workspaceRoot: process.cwd(),
      config,
      registry: runtime.registry,
      approvalGate,
      clock: clockFromEnv(),
    });
    await runtime.ledger.append({ kind: 'template-run', hash: record.hash, captured_at: record.captured_at });
    runs.push(record);
  }
  const status = runs.every((r) => r.status === 'ok') ? 'ok' : 'error';
  return { output: { status, runs }, exitCode: status === 'ok' ? 0 : 1 };
}

/** Lints the whole catalog; unlike loading, it reports every bad file instead of stopping at the first. */
export async function templatesValidateCommand(): Promise<CommandResult> {
  const { runtime } = await runtimeFor();
  const results: TemplateLint[] = [];
  const loaded: LoadedTemplate[] = [];
  const dirs = [
    { absolute: path.join(builtinCatalogDir(), 'automations'), display: 'builtin:automations' },
    { absolute: path.join(process.cwd(), REPO_TEMPLATES_DIR), display: REPO_TEMPLATES_DIR },
  ];
  for (const dir of dirs) {
    try {
      loaded.push(...(await loadTemplateDir(dir.absolute, dir.display)));
    } catch (error) {
      results.push({
        id: '(unparsed)',
        version: '',
        source: dir.display,
        ok: false,
        problems: [(error as Error).message],
      });
    }
  }
  results.push(...lintTemplates(loaded, runtime.registry));
  const ok = results.every((r) => r.ok);
  return { output: { ok, templates: results }, exitCode: ok ? 0 : 1 };
}

export async function templatesPackCommand(opts: { output?: string }): Promise<CommandResult> {
  const { runtime } = await runtimeFor();
  const output = await resolveFlagPath('--output', opts.output ?? DEFAULT_PACK_OUTPUT);
  const pack = await packTemplates((await runtime.catalog()).list());
  await writeFileAtomic(output.absolute, pack.archive);
  return {
    output: {
      output: output.relative,
      count: pack.catalog.length,
      files: pack.files,
      sha256: pack.sha256,
      templates: pack.catalog,
    },
    exitCode: 0,
  };
}

async function readPack(file: string): Promise<{ data: Buffer; display: string }> {
  const resolved = await resolveFlagPath('pack', file);
  try {
    return { data: await readFile(resolved.absolute), display: resolved.relative };
  } catch (error) {
    throw new ValidationError(
      `${resolved.relative}: cannot read pack (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

export async function templatesVerifyCommand(file: string): Promise<CommandResult> {
  const pack = await readPack(file);
  const result = await verifyPack(pack.data, pack.display);
  return {
    output: {
      ok: result.ok,
      pack: pack.display,
      sha256: result.sha256,
      problems: result.problems,
      templates: result.templates,
    },
    exitCode: result.ok ? 0 : 1,
    notes: result.problems.map((p) => `verify: ${p}`),
  };
}

export async function templatesInstallCommand(
  file: string,
  opts: { force?: boolean; target: string },
): Promise<CommandResult> {
  const pack = await readPack(file);
  const target = await resolveFlagPath('--target', opts.target);
  const result = await installPack(pack.data, pack.display, target, { force: opts.force === true });
  return { output: { status: 'ok', pack: pack.display, target: target.relative, ...result }, exitCode: 0 };
}
