import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type ActionRegistry, createBuiltinRegistry, Ledger, type TaskPlanner } from '@sdetkit/core-runs';
import { AGENT_DIR, type ApprovalGate } from '@sdetkit/policy';
import type { TemplateCatalog } from '@sdetkit/templates';

/** The catalog bundled with the CLI (copied into dist/catalog at build time). */
export function builtinCatalogDir(): string {
  // The command bundle is CommonJS, so __dirname is its folder (dist/).
  return path.join(__dirname, 'catalog');
}

export interface AgentRuntime {
  registry: ActionRegistry;
  planners: TaskPlanner[];
  catalog(): Promise<TemplateCatalog>;
  /** The workspace's tamper-evident ledger (`.sdetkit/agent/ledger.jsonl`). */
  ledger: Ledger;
}

/** The packages that register actions beyond the built-in ones. */
export interface ActionPackages {
  dashboard: typeof import('@sdetkit/dashboard-renderers');
  audit: typeof import('@sdetkit/repo-audit');
  templates: typeof import('@sdetkit/templates');
  bridge: typeof import('@sdetkit/tool-bridge');
}

let packagesPromise: Promise<ActionPackages> | undefined;

/**
 * Loads the action packages on first use. They are dynamic imports, which
 * the bundler turns into lazily initialized modules: a run of a built-in
 * action never initializes dashboards, templates, the audit or the MCP SDK.
 */
export function loadActionPackages(): Promise<ActionPackages> {
  packagesPromise ??= Promise.all([
    import('@sdetkit/dashboard-renderers'),
    import('@sdetkit/repo-audit'),
    import('@sdetkit/templates'),
    import('@sdetkit/tool-bridge'),
  ]).then(([dashboard, audit, templates, bridge]) => ({ dashboard, audit, templates, bridge }));
  return packagesPromise;
}

type RuntimeOptions = { workspaceRoot: string; approvalGate: ApprovalGate };

function catalogLoader(options: RuntimeOptions): () => Promise<TemplateCatalog> {
  let catalogPromise: Promise<TemplateCatalog> | undefined;
  return () => {
    catalogPromise ??= loadActionPackages().then(({ templates }) => {
      const builtin = builtinCatalogDir();
      return templates.TemplateCatalog.load({
        builtin: { absolute: path.join(builtin, 'automations'), display: 'builtin:automations' },
        repo: {
          absolute: path.join(options.workspaceRoot, templates.REPO_TEMPLATES_DIR),
          display: templates.REPO_TEMPLATES_DIR,
        },
      });
    });
    return catalogPromise;
  };
}

/**
 * The one place that composes the full action set, task planners and
 * template catalog for a workspace. Higher-level packages register their
 * actions here.
 */
export async function createAgentRuntime(options: RuntimeOptions): Promise<AgentRuntime> {
  return composeAgentRuntime(options, await loadActionPackages());
}

/** `createAgentRuntime` for callers that loaded the packages already and need it synchronously (the server). */
export function composeAgentRuntime(options: RuntimeOptions, packages: ActionPackages): AgentRuntime {
  const { dashboard, audit, templates, bridge } = packages;
  const builtin = builtinCatalogDir();
  const catalog = catalogLoader(options);
  const resolveCatalogFile = async (name: string) => {
    for (const dir of [path.join(options.workspaceRoot, 'templates'), builtin]) {
      const candidate = path.join(dir, name);
      if (
        await stat(candidate).then(
          (s) => s.isFile(),
          () => false,
        )
      )
        return candidate;
    }
    return undefined;
  };
  const registry: ActionRegistry = createBuiltinRegistry()
    .register(dashboard.reportBuildAction)
    .register(dashboard.reportGateAction)
    .register(audit.repoAuditAction)
    .register(audit.dependencyInventoryAction)
    .register(bridge.mcpCallAction)
    .register(bridge.mcpListAction)
    .register(templates.artifactsBundleAction)
    .register(templates.createReportRenderAction(resolveCatalogFile));
  const ledger = new Ledger(path.join(options.workspaceRoot, AGENT_DIR));
  registry.register(
    templates.createTemplateRunAction({
      catalog,
      registry: () => registry,
      approvalGate: options.approvalGate,
      onRecord: async (record) => {
        await ledger.append({ kind: 'template-run', hash: record.hash, captured_at: record.captured_at });
      },
    }),
  );
  return { registry, planners: [templates.templateTaskPlanner], catalog, ledger };
}

/**
 * A runtime with the built-in actions only, for an explicit `action
 * fs.read|fs.write|shell.run ...` task: such a task is planned as written
 * (no planner, no model sees the registry), so the record is the same as
 * with the full runtime, without loading the other packages.
 */
export function createBuiltinRuntime(options: RuntimeOptions): AgentRuntime {
  return {
    registry: createBuiltinRegistry(),
    planners: [],
    catalog: catalogLoader(options),
    ledger: new Ledger(path.join(options.workspaceRoot, AGENT_DIR)),
  };
}
