import { readFile } from 'node:fs/promises';
import { defineAction, sha256Hex, writeFileAtomic } from '@sdetkit/core-runs';
import { normalizeWorkspacePath } from '@sdetkit/policy';
import { Eta } from 'eta';
import { z } from 'zod';

/** Escapes text for markdown tables and prose: no HTML, links or cell breaks from data. */
function escapeMarkdown(value: unknown): string {
  return String(value ?? '')
    .replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

/** Finds `catalog:reports/<file>` in the catalog's folders; undefined when absent. */
export type CatalogFileResolver = (name: string) => Promise<string | undefined>;

const CATALOG_PREFIX = 'catalog:';

/**
 * Renders an eta template file with the step's data into an artifact. The
 * template is a workspace path or `catalog:reports/<file>` (shipped with the
 * template catalog). HTML outputs escape every `<%= %>` value; markdown
 * templates use `it.md(value)` for safe text.
 */
export function createReportRenderAction(resolveCatalogFile: CatalogFileResolver) {
  return defineAction({
    id: 'report.render',
    description:
      'Render an eta template file (e.g. from the template pack) with the given data into an artifact; html output is auto-escaped, markdown templates use it.md(value).',
    input: z.strictObject({
      template: z.string().min(1),
      output: z.string().min(1),
      data: z.record(z.string(), z.unknown()).default({}),
    }),
    examples: [
      {
        template: 'catalog:reports/security-governance-summary.md.eta',
        output: '.sdetkit/agent/workdir/summary.md',
        data: { title: 'x' },
      },
    ],
    policy: (p) => [
      ...(p.template.startsWith(CATALOG_PREFIX) ? [] : [{ kind: 'read' as const, path: p.template }]),
      { kind: 'write', path: p.output },
    ],
    summarize: (p) => `render ${p.template} into ${p.output}`,
    async handler(p, ctx) {
      let file: string | undefined;
      if (p.template.startsWith(CATALOG_PREFIX)) {
        const name = normalizeWorkspacePath(p.template.slice(CATALOG_PREFIX.length));
        file = await resolveCatalogFile(name);
        if (!file)
          return { ok: false, payload: { error: `${p.template}: not found in the template catalog` } };
      } else {
        file = await ctx.resolvePath(p.template);
      }
      const source = await readFile(file, 'utf8');
      const html = /\.html?$/i.test(p.output);
      // No implicit trimming: output keeps the template's lines; control lines use `_%>` to drop their own.
      const eta = new Eta({ autoEscape: html, autoTrim: false });
      let text: string;
      try {
        text = eta.renderString(source, { ...p.data, md: escapeMarkdown });
      } catch (error) {
        return { ok: false, payload: { error: `${p.template}: ${(error as Error).message.split('\n')[0]}` } };
      }
      await writeFileAtomic(await ctx.resolvePath(p.output), text);
      const output = normalizeWorkspacePath(p.output);
      return {
        ok: true,
        payload: { output, bytes: Buffer.byteLength(text), sha256: sha256Hex(text) },
        artifacts: [output],
      };
    },
  });
}
