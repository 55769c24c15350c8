import { canonicalJson, defineAction, writeFileAtomic } from '@sdetkit/core-runs';
import { normalizeWorkspacePath } from '@sdetkit/policy';
import { z } from 'zod';
import { PROFILES } from './audit-config.js';
import { renderAuditMarkdown } from './render-audit-markdown.js';
import { renderSarif } from './render-sarif.js';
import { failsAt, runAudit } from './run-audit.js';

/** `repo.audit`: audits the workspace and writes JSON (and optionally SARIF and markdown). */
export const repoAuditAction = defineAction({
  id: 'repo.audit',
  description:
    'Audit the repository (core, security, hygiene and deps rule packs; waivers and baselines) and write a JSON report, optionally SARIF 2.1.0 and markdown.',
  input: z.strictObject({
    profile: z.enum(PROFILES).default('default'),
    packs: z
      .array(z.enum(['core', 'security', 'hygiene', 'deps']))
      .min(1)
      .optional(),
    changed_only: z.boolean().default(false),
    base: z.string().min(1).default('HEAD'),
    baseline: z.boolean().default(false),
    output_json: z.string().min(1).default('.sdetkit/agent/workdir/repo-audit.json'),
    output_sarif: z.string().min(1).optional(),
    output_md: z.string().min(1).optional(),
    fail_on: z.enum(['none', 'info', 'warn', 'error']).default('none'),
  }),
  examples: [
    {},
    { profile: 'strict', output_sarif: '.sdetkit/agent/workdir/repo-audit.sarif.json', fail_on: 'error' },
  ],
  keywords: ['audit'],
  plannedParams: () => ({}),
  policy: (p) => [
    { kind: 'read', path: '.' },
    ...[p.output_json, p.output_sarif, p.output_md]
      .filter((o): o is string => o !== undefined)
      .map((path) => ({ kind: 'write' as const, path })),
  ],
  summarize: (p) => `audit the repository (${p.profile}${p.changed_only ? `, changed since ${p.base}` : ''})`,
  async handler(p, ctx) {
    const report = await runAudit({
      root: ctx.workspaceRoot,
      profile: p.profile,
      ...(p.packs ? { packs: p.packs } : {}),
      changedOnly: p.changed_only,
      base: p.base,
      useBaseline: p.baseline,
    });
    const artifacts: string[] = [];
    const write = async (target: string | undefined, text: string) => {
      if (!target) return;
      await writeFileAtomic(await ctx.resolvePath(target), text);
      artifacts.push(normalizeWorkspacePath(target));
    };
    await write(p.output_json, `${JSON.stringify(JSON.parse(canonicalJson(report)), null, 2)}\n`);
    await write(p.output_sarif, `${JSON.stringify(renderSarif(report), null, 2)}\n`);
    await write(p.output_md, renderAuditMarkdown(report));
    const failed = p.fail_on !== 'none' && failsAt(report, p.fail_on);
    return {
      ok: !failed,
      payload: {
        profile: report.profile,
        summary: report.summary,
        failed_checks: report.checks.filter((c) => c.status === 'fail').map((c) => c.rule),
        top_findings: report.findings
          .slice(0, 20)
          .map(({ rule, path, line, severity, message }) => ({ rule, path, line, severity, message })),
        expired_waivers: report.waivers
          .filter((w) => w.status === 'expired')
          .map((w) => ({ rule: w.rule, owner: w.owner, expires: w.expires })),
        output_json: artifacts[0] ?? null,
        fail_on: p.fail_on,
      },
      artifacts,
    };
  },
});
