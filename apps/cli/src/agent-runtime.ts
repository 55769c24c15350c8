import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type ActionRegistry, createBuiltinRegistry, Ledger, type TaskPlanner } from '@sdetkit/core-runs';
import { reportBuildAction, reportGateAction } from '@sdetkit/dashboard-renderers';
import { AGENT_DIR, type ApprovalGate } from '@sdetkit/policy';
import { dependencyInventoryAction, repoAuditAction } from '@sdetkit/repo-audit';
import {
  artifactsBundleAction,
  createReportRenderAction,
  createTemplateRunAction,
  REPO_TEMPLATES_DIR,
  TemplateCatalog,
  templateTaskPlanner,
} from '@sdetkit/templates';
import { mcpCallAction, mcpListAction } from '@sdetkit/tool-bridge';

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

/**
 * The one place that composes the full action set, task planners and
 * template catalog for a workspace. Higher-level packages register their
 * actions here.
 */
export function createAgentRuntime(options: {
  workspaceRoot: string;
  approvalGate: ApprovalGate;
}): AgentRuntime {
  const builtin = builtinCatalogDir();
  let catalogPromise: Promise<TemplateCatalog> | undefined;
  const catalog = () => {
    catalogPromise ??= TemplateCatalog.load({
      builtin: { absolute: path.join(builtin, 'automations'), display: 'builtin:automations' },
      repo: { absolute: path.join(options.workspaceRoot, REPO_TEMPLATES_DIR), display: REPO_TEMPLATES_DIR },
    });
    return catalogPromise;
  };
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
    .register(reportBuildAction)
    .register(reportGateAction)
    .register(repoAuditAction)
    .register(dependencyInventoryAction)
    .register(mcpCallAction)
    .register(mcpListAction)
    .register(artifactsBundleAction)
    .register(createReportRenderAction(resolveCatalogFile));
  const ledger = new Ledger(path.join(options.workspaceRoot, AGENT_DIR));
  registry.register(
    createTemplateRunAction({
      catalog,
      registry: () => registry,
      approvalGate: options.approvalGate,
      onRecord: async (record) => {
        await ledger.append({ kind: 'template-run', hash: record.hash, captured_at: record.captured_at });
      },
    }),
  );
  return { registry, planners: [templateTaskPlanner], catalog, ledger };
}
