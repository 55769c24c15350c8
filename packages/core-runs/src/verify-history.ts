import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkLedger } from './ledger.js';
import { computeRecordHash } from './run-record.js';

export type VerifyProblemKind =
  | 'tampered'
  | 'renamed'
  | 'unreadable'
  | 'not-in-ledger'
  | 'missing-record'
  | 'ledger';

export interface VerifyProblem {
  file: string;
  kind: VerifyProblemKind;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  problems: VerifyProblem[];
  ledger: {
    file: string;
    entries: number;
    ok: boolean;
    first_broken: { line: number; reason: string } | null;
  };
}

/**
 * Recomputes every record's hash from its content and file name, checks the
 * ledger chain, and cross-checks both: a record missing from the ledger, or
 * a ledger entry whose record is gone without a tombstone, is a problem.
 */
export async function verifyHistory(options: {
  historyDir: string;
  displayHistoryDir: string;
  ledgerText: string;
  displayLedger: string;
}): Promise<VerifyResult> {
  const problems: VerifyProblem[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(options.historyDir))
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const present = new Set<string>();
  for (const name of names) {
    const file = `${options.displayHistoryDir}/${name}`;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(await readFile(path.join(options.historyDir, name), 'utf8')) as Record<
        string,
        unknown
      >;
    } catch {
      problems.push({ file, kind: 'unreadable', detail: 'not valid JSON or unreadable' });
      continue;
    }
    const recomputed = computeRecordHash(record);
    const stem = name.slice(0, -'.json'.length);
    if (record.hash !== recomputed) {
      problems.push({
        file,
        kind: 'tampered',
        detail: `content hashes to ${recomputed.slice(0, 12)}…, record says ${String(record.hash).slice(0, 12)}…`,
      });
    } else if (stem !== recomputed) {
      problems.push({ file, kind: 'renamed', detail: `file name does not match its hash ${recomputed}` });
    }
    present.add(stem);
  }
  const ledger = checkLedger(options.ledgerText);
  if (!ledger.ok)
    problems.push({
      file: options.displayLedger,
      kind: 'ledger',
      detail: `line ${ledger.first_broken!.line}: ${ledger.first_broken!.reason}`,
    });
  else {
    for (const stem of present) {
      if (!ledger.runs.has(stem))
        problems.push({
          file: `${options.displayHistoryDir}/${stem}.json`,
          kind: 'not-in-ledger',
          detail: 'no ledger entry records this run',
        });
    }
    for (const hash of ledger.runs) {
      if (!present.has(hash) && !ledger.tombstones.has(hash)) {
        problems.push({
          file: `${options.displayHistoryDir}/${hash}.json`,
          kind: 'missing-record',
          detail: 'listed in the ledger but missing (and not pruned by retention)',
        });
      }
    }
  }
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.kind < b.kind ? -1 : 1));
  return {
    ok: problems.length === 0,
    records: names.length,
    problems,
    ledger: {
      file: options.displayLedger,
      entries: ledger.entries,
      ok: ledger.ok,
      first_broken: ledger.first_broken,
    },
  };
}
