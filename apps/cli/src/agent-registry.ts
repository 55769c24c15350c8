import { type ActionRegistry, createBuiltinRegistry } from '@sdetkit/core-runs';
import { reportBuildAction } from '@sdetkit/dashboard-renderers';

/**
 * The full action set the CLI offers. Packages that own higher-level actions
 * register them here, in one place.
 */
export function createAgentRegistry(): ActionRegistry {
  return createBuiltinRegistry().register(reportBuildAction);
}
