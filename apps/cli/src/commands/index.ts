// The command implementations, bundled into dist/commands.cjs. The everyday
// commands are imported eagerly; the rest are wrapped in dynamic imports,
// which the bundler turns into lazily initialized modules, so `agent run`
// never initializes the server, governance or template code it does not use.
export { actionsListCommand } from './actions.js';
export { doctorCommand } from './doctor.js';
export { historyExportCommand, historyListCommand } from './history.js';
export { initCommand } from './init.js';
export { runCommand } from './run.js';

type Lazy<F extends (...args: never[]) => unknown> = (...args: Parameters<F>) => ReturnType<F>;
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K) {
  return (async (...args: unknown[]) =>
    ((await load())[name] as (...a: unknown[]) => unknown)(...args)) as unknown as Lazy<
    M[K] extends (...args: never[]) => unknown ? M[K] : never
  >;
}

const dashboard = () => import('./dashboard.js');
const governance = () => import('./governance.js');
const templates = () => import('./templates.js');
const tokens = () => import('./tokens.js');

export const dashboardBuildCommand = lazy(dashboard, 'dashboardBuildCommand');
export const dashboardGateCommand = lazy(dashboard, 'dashboardGateCommand');
export const demoCommand = lazy(() => import('./demo.js'), 'demoCommand');
export const evidencePackCommand = lazy(governance, 'evidencePackCommand');
export const evidenceVerifyCommand = lazy(governance, 'evidenceVerifyCommand');
export const replayCommand = lazy(governance, 'replayCommand');
export const verifyCommand = lazy(governance, 'verifyCommand');
export const repoAuditCommand = lazy(() => import('./repo-audit.js'), 'repoAuditCommand');
export const retentionApplyCommand = lazy(() => import('./retention.js'), 'retentionApplyCommand');
export const serveCommand = lazy(() => import('./serve.js'), 'serveCommand');
export const templatesInstallCommand = lazy(templates, 'templatesInstallCommand');
export const templatesListCommand = lazy(templates, 'templatesListCommand');
export const templatesPackCommand = lazy(templates, 'templatesPackCommand');
export const templatesRunAllCommand = lazy(templates, 'templatesRunAllCommand');
export const templatesRunCommand = lazy(templates, 'templatesRunCommand');
export const templatesShowCommand = lazy(templates, 'templatesShowCommand');
export const templatesValidateCommand = lazy(templates, 'templatesValidateCommand');
export const templatesVerifyCommand = lazy(templates, 'templatesVerifyCommand');
export const tokensCreateCommand = lazy(tokens, 'tokensCreateCommand');
export const tokensListCommand = lazy(tokens, 'tokensListCommand');
export const tokensRevokeCommand = lazy(tokens, 'tokensRevokeCommand');
