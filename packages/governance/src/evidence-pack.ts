import { canonicalJson, sha256Hex, type VerifyResult } from '@sdetkit/core-runs';
import { type DashboardSummary, renderCsv, renderHtml, renderMarkdown } from '@sdetkit/dashboard-renderers';
import { createDeterministicTar, type LoadedTemplate, packTemplates, readTarFiles } from '@sdetkit/templates';

export const EVIDENCE_MANIFEST = 'SHA256SUMS';

export interface EvidenceInputs {
  summary: DashboardSummary;
  controls: unknown;
  templates: readonly LoadedTemplate[];
  verify: VerifyResult;
}

export interface EvidencePack {
  archive: Buffer;
  sha256: string;
  files: string[];
}

const json = (value: unknown) =>
  Buffer.from(`${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`, 'utf8');

/**
 * A deterministic evidence tar for a period: html and md dashboard, history
 * CSV, failed runs, controls snapshot, template catalog and checksums, the
 * verify result, and a SHA256SUMS manifest over everything. The same inputs
 * give the same bytes.
 */
export async function buildEvidencePack(inputs: EvidenceInputs): Promise<EvidencePack> {
  const catalog = await packTemplates(inputs.templates);
  const catalogFiles = await readTarFiles(catalog.archive);
  const files = [
    { name: 'dashboard/dashboard.html', data: Buffer.from(renderHtml(inputs.summary), 'utf8') },
    { name: 'dashboard/dashboard.md', data: Buffer.from(renderMarkdown(inputs.summary), 'utf8') },
    { name: 'history/history.csv', data: Buffer.from(renderCsv(inputs.summary), 'utf8') },
    {
      name: 'history/failures.json',
      data: json({ window: inputs.summary.window, failures: inputs.summary.failures }),
    },
    { name: 'controls/controls.json', data: json(inputs.controls) },
    ...catalogFiles
      .filter((f) => f.name === 'catalog.json' || f.name === 'SHA256SUMS')
      .map((f) => ({ name: `templates/${f.name}`, data: f.data })),
    {
      name: 'templates/pack-sha256.txt',
      data: Buffer.from(`${catalog.sha256}  automation-templates.tar\n`, 'utf8'),
    },
    { name: 'verify/verify.json', data: json(inputs.verify) },
    {
      name: 'evidence.json',
      data: json({
        window: inputs.summary.window,
        runs: inputs.summary.runs,
        verify_ok: inputs.verify.ok,
        templates: catalog.catalog.length,
        generated_at: inputs.summary.generated_at,
      }),
    },
  ];
  const manifest = files
    .map((f) => `${sha256Hex(f.data)}  ${f.name}\n`)
    .sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1))
    .join('');
  files.push({ name: EVIDENCE_MANIFEST, data: Buffer.from(manifest, 'utf8') });
  const archive = await createDeterministicTar(files);
  return { archive, sha256: sha256Hex(archive), files: files.map((f) => f.name).sort() };
}

export interface EvidenceVerifyResult {
  ok: boolean;
  sha256: string;
  files: number;
  problems: string[];
}

/** Checks a pack: every file listed in SHA256SUMS with a matching checksum, nothing extra. */
export async function verifyEvidencePack(archive: Buffer): Promise<EvidenceVerifyResult> {
  const sha256 = sha256Hex(archive);
  let files: Awaited<ReturnType<typeof readTarFiles>>;
  try {
    files = await readTarFiles(archive);
  } catch (error) {
    return { ok: false, sha256, files: 0, problems: [(error as Error).message] };
  }
  const problems: string[] = [];
  const manifest = files.find((f) => f.name === EVIDENCE_MANIFEST);
  if (!manifest)
    return { ok: false, sha256, files: files.length, problems: [`${EVIDENCE_MANIFEST} is missing`] };
  const listed = new Map<string, string>();
  for (const [i, line] of manifest.data.toString('utf8').split('\n').entries()) {
    if (!line) continue;
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match) problems.push(`${EVIDENCE_MANIFEST}:${i + 1}: malformed line`);
    else listed.set(match[2]!, match[1]!);
  }
  for (const file of files) {
    if (file.name === EVIDENCE_MANIFEST) continue;
    const expected = listed.get(file.name);
    if (!expected) problems.push(`${file.name}: not listed in ${EVIDENCE_MANIFEST}`);
    else if (expected !== sha256Hex(file.data)) problems.push(`${file.name}: checksum mismatch`);
    listed.delete(file.name);
  }
  for (const name of listed.keys()) problems.push(`${name}: listed in ${EVIDENCE_MANIFEST} but missing`);
  return { ok: problems.length === 0, sha256, files: files.length, problems };
}
