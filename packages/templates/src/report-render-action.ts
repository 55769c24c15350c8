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

/**
 * Renders an eta template file with the step's data into an artifact. HTML
 * outputs escape every `<%= %>` value; markdown outputs get `it.md(value)`
 * for safe text.
 */
export const reportRenderAction = defineAction({
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
      template: 'templates/reports/summary.md.eta',
      output: '.sdetkit/agent/workdir/summary.md',
      data: { title: 'x' },
    },
  ],
  policy: (p) => [
    { kind: 'read', path: p.template },
    { kind: 'write', path: p.output },
  ],
  summarize: (p) => `render ${p.template} into ${p.output}`,
  async handler(p, ctx) {
    const source = await readFile(await ctx.resolvePath(p.template), 'utf8');
    const html = /\.html?$/i.test(p.output);
    const eta = new Eta({ autoEscape: html, autoTrim: [false, 'nl'] });
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
