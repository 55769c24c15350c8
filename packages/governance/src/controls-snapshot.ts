import { type AgentConfig, DEFAULT_WORKDIR } from '@sdetkit/policy';
import { loadAuditConfig, loadWaivers, today } from '@sdetkit/repo-audit';

/**
 * The controls in force, for auditors: provider, budgets, allowlists,
 * approval rules, the audit profile and the policy exceptions (waivers)
 * with their status on `asOf`.
 */
export async function controlsSnapshot(root: string, config: AgentConfig, asOf = today()) {
  const audit = await loadAuditConfig(root);
  const waivers = await loadWaivers(root);
  return {
    as_of: asOf,
    provider: {
      type: config.provider.type,
      endpoint: config.provider.endpoint,
      model: config.provider.model,
    },
    budgets: config.budgets,
    allowlists: { write: config.safety.write_allowlist, shell: config.safety.shell_allowlist },
    approval: {
      'shell.run': 'always requires approval',
      'fs.write': `requires approval outside ${DEFAULT_WORKDIR}`,
      non_interactive: 'denied unless --approve',
    },
    audit: { profile: audit.profile ?? 'default', rule_overrides: audit.rules, ignore: audit.ignore },
    waivers: waivers.map((w) => ({ ...w, status: w.expires >= asOf ? 'active' : 'expired' })),
  };
}
