// What listen() rejects with when another server serves the workspace; the claim itself
// (claimWorkspace, findWorkspaceHolder) is in core-runs, which the CLI's doctor uses.
export { type ClaimHolder, WorkspaceInUseError } from '@sdetkit/core-runs';
export { createServer, type SdetkitServer, type ServerOptions } from './create-server.js';
export {
  BodyTooLargeError,
  headerRecord,
  incomingOf,
  readBodyCapped,
  readContextBody,
  readIncomingCapped,
} from './read-body.js';
export { createRestApi, type RestApiDeps } from './rest-api.js';
export { type RetentionSchedule, sweepWorkspace } from './scheduled-retention.js';
export { createServerLogger, REDACTED_LOG_PATHS } from './server-logger.js';
export { ServerMetrics } from './server-metrics.js';
export {
  openTenantWorkspace,
  type RuntimeFactory,
  type TenantWorkspace,
  type TenantWorkspaceOptions,
} from './tenant-workspace.js';
