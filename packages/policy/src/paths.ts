/**
 * The workspace-relative defaults every sdetkit command agrees on. */
export const AGENT_DIR = '.sdetkit/agent';
export const DEFAULT_CONFIG_PATH = `${AGENT_DIR}/config.yaml`;
export const DEFAULT_HISTORY_DIR = `${AGENT_DIR}/history`;
export const DEFAULT_WORKDIR = `${AGENT_DIR}/workdir`;
export const DEFAULT_CACHE_DIR = `${AGENT_DIR}/cache`;
export const DEFAULT_CONVERSATIONS_DIR = `${AGENT_DIR}/conversations`;
export const DEFAULT_RATE_LIMITS_DIR = `${AGENT_DIR}/rate_limits`;
export const DEFAULT_HISTORY_EXPORT_CSV = `${DEFAULT_WORKDIR}/history-summary.csv`;
export const DEFAULT_HISTORY_EXPORT_JSON = `${DEFAULT_WORKDIR}/history-summary.json`;
/** Folders `agent init` creates under AGENT_DIR. */
export const AGENT_SUBDIRS = ['history', 'workdir', 'cache', 'conversations', 'rate_limits'] as const;
