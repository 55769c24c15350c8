// Repository audit benchmark: a synthetic tree (default 10,000 files: source,
// docs, configs, a few planted findings), audited as a whole CLI process.
//   node scripts/bench-audit.mjs [--files 10000] [--runs 5]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emitRows, median, numberOption, timeSdetkit } from './bench-lib.mjs';

const count = numberOption('--files', 10_000);
const runs = numberOption('--runs', 5);

const root = mkdtempSync(path.join(tmpdir(), 'sdetkit-bench-audit-'));
try {
  for (const [name, text] of Object.entries({
    'README.md': '# bench\n',
    LICENSE: 'MIT\n',
    'SECURITY.md': 'x\n',
    '.gitignore': 'dist/\n',
  })) {
    writeFileSync(path.join(root, name), text);
  }
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, 'src', `mod${i % 100}`);
    mkdirSync(dir, { recursive: true });
    const body = Array.from(
      { length: 40 },
      (_, l) => `export const value${l} = ${i * l}; // line ${l} of file ${i}`,
    ).join('\n');
    const planted = i % 997 === 0 ? `\nexport const api_key = "Zx9qP2vLm7tR4wK8yB3nC${i}";\n` : '\n';
    writeFileSync(path.join(dir, `file${i}.ts`), body + planted);
  }
  const samples = [];
  let report;
  for (let r = 0; r < runs + 1; r++) {
    const sample = timeSdetkit(
      ['repo', 'audit', '--format', 'json', '--output', 'audit.json', '--fail-on', 'none'],
      {
        cwd: root,
      },
    );
    if (r > 0) samples.push(sample);
    report = JSON.parse(sample.stdout);
  }
  const times = samples.map((s) => s.ms).sort((a, b) => a - b);
  const rss = Math.max(...samples.map((s) => s.rssMiB));
  console.log(`| files | findings | median of ${runs} (ms) | min | max | peak RSS (MiB) |`);
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  console.log(
    `| ${report.summary.files_scanned} | ${report.summary.findings} | ${median(times).toFixed(0)} | ${times[0].toFixed(0)} | ${times.at(-1).toFixed(0)} | ${rss.toFixed(0)} |`,
  );
  emitRows([
    {
      scenario: `repo audit, ${report.summary.files_scanned.toLocaleString('en-US')} files`,
      median_ms: median(times),
      peak_rss_mib: rss,
      runs,
      detail: `${report.summary.findings} findings; min ${times[0].toFixed(0)} ms`,
    },
  ]);
  console.log(
    `\nnode ${process.version}, ${process.platform}/${process.arch}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
