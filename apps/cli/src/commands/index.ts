// The command implementations, bundled into dist/commands.cjs and loaded on
// demand through the code-cache loader so `--help` never pays for them.
export { actionsListCommand } from './actions.js';
export { dashboardBuildCommand, dashboardGateCommand } from './dashboard.js';
export { demoCommand } from './demo.js';
export { doctorCommand } from './doctor.js';
export { evidencePackCommand, evidenceVerifyCommand, replayCommand, verifyCommand } from './governance.js';
export { historyExportCommand, historyListCommand } from './history.js';
export { initCommand } from './init.js';
export { repoAuditCommand } from './repo-audit.js';
export { retentionApplyCommand } from './retention.js';
export { runCommand } from './run.js';
export { serveCommand } from './serve.js';
export {
  templatesInstallCommand,
  templatesListCommand,
  templatesPackCommand,
  templatesRunAllCommand,
  templatesRunCommand,
  templatesShowCommand,
  templatesValidateCommand,
  templatesVerifyCommand,
} from './templates.js';
