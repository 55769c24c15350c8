import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { appendWholeSync, openCreatingSync, syncFile } from './atomic-write.js';
import { canonicalHash, canonicalJson } from './canonical-json.js';
import { dropLockToken, removeDeadLockTokens, withFileLock } from './file-lock.js';

export const LEDGER_FILE = 'ledger.jsonl';
export const GENESIS = '0'.repeat(64);

export type LedgerKind = 'run' | 'template-run' | 'tombstone';

/** A ledger's file and the lock its appends take. */
export interface LedgerLocation {
  file: string;
  lockFile: string;
}

export interface LedgerEntry {
  seq: number;
  kind: LedgerKind;
  /** The record's hash. */
  hash: string;
  /** The previous entry's digest (GENESIS for the first). */
  prev: string;
  captured_at: string;
  /** sha256 of the canonical JSON of every other key. */
  digest: string;
}

export function entryDigest(entry: Omit<LedgerEntry, 'digest'>): string {
  const { seq, kind, hash, prev, captured_at } = entry;
  return canonicalHash({ seq, kind, hash, prev, captured_at });
}

/** The calls `lastLineWith` makes: `node:fs`, or the writer thread's own. */
export type LastLineFs = Pick<typeof fs, 'openSync' | 'fstatSync' | 'readSync' | 'closeSync'>;

/**
 * The last complete line of a file, read from its end in growing chunks
 * (ledgers grow large). Synchronous: a few small reads of a cached file take
 * microseconds, less than one trip through libuv's thread pool (see
 * atomic-write.ts). It uses only its parameters and globals: the writer
 * thread (threaded-writer.ts) runs this same function from its source text.
 */
export function lastLineWith(files: LastLineFs, file: string): string | undefined {
  let fd: number;
  try {
    fd = files.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = files.fstatSync(fd);
    // Entries are ~300 bytes: one small read finds the last one.
    let chunk = 1024;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buffer = Buffer.allocUnsafe(size - start);
      const read = files.readSync(fd, buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8', 0, read).replace(/\n+$/, '');
      const newline = text.lastIndexOf('\n');
      if (newline !== -1 || start === 0) return text.slice(newline + 1) || undefined;
      chunk *= 4;
    }
  } finally {
    files.closeSync(fd);
  }
}

/**
 * The tamper-evident ledger of `.sdetkit/agent/`: one JSON line per record,
 * each chaining to the previous entry's digest. Appends take a lock so
 * several processes never write the same `seq` or break the chain.
 */
export class Ledger {
  readonly file: string;
  private readonly lock: string;
  private readonly keepLockToken: boolean;

  /**
   * `keepLockToken`: keep this process's lock token file between appends
   * (see `withFileLock`), for a process that appends many times a second;
   * `releaseLockToken` removes it.
   */
  constructor(agentDir: string, options: { keepLockToken?: boolean } = {}) {
    this.file = path.join(agentDir, LEDGER_FILE);
    this.lock = path.join(agentDir, 'ledger.lock');
    this.keepLockToken = options.keepLockToken ?? false;
  }

  /** The ledger file and its lock: what another thread needs to append as `writeMany` does. */
  get location(): LedgerLocation {
    return { file: this.file, lockFile: this.lock };
  }

  /** Removes the kept lock token, if any and not in use; the next append makes a new one. */
  releaseLockToken(): void {
    dropLockToken(this.lock);
  }

  /** Removes lock token files killed processes left (`removeDeadLockTokens`); returns their names. */
  removeDeadLockTokens(): Promise<string[]> {
    return removeDeadLockTokens(this.lock);
  }

  async append(record: { kind: LedgerKind; hash: string; captured_at: string }): Promise<LedgerEntry> {
    return (await this.appendMany([record]))[0]!;
  }

  /** Appends several entries under one lock acquisition, in order, with one write; resolves once they are durable. */
  async appendMany(
    records: readonly { kind: LedgerKind; hash: string; captured_at: string }[],
  ): Promise<LedgerEntry[]> {
    const { entries, durable } = await this.writeMany(records);
    await durable;
    return entries;
  }

  /**
   * `appendMany` in two steps: resolves once the entries are written (and
   * the lock released), with `durable`, which settles once an fsync that
   * started after the write has finished. The fsync runs outside the lock
   * and is shared with appends made meanwhile, so a busy process (the
   * server's `LedgerBatcher`) writes its next batch while this one is being
   * made durable.
   */
  async writeMany(
    records: readonly { kind: LedgerKind; hash: string; captured_at: string }[],
  ): Promise<{ entries: LedgerEntry[]; durable: Promise<void> }> {
    if (records.length === 0) return { entries: [], durable: Promise.resolve() };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const entries = await withFileLock(this.lock, async () => this.writeLocked(records), {
      keepToken: this.keepLockToken,
    });
    return { entries, durable: syncFile(this.file) };
  }

  /** Chains `records` to the last entry and appends them, with the lock held. */
  private writeLocked(
    records: readonly { kind: LedgerKind; hash: string; captured_at: string }[],
  ): LedgerEntry[] {
    const last = lastLineWith(fs, this.file);
    let seq = 1;
    let prev = GENESIS;
    if (last) {
      const parsed = JSON.parse(last) as LedgerEntry;
      seq = parsed.seq + 1;
      prev = parsed.digest;
    }
    const entries: LedgerEntry[] = [];
    for (const record of records) {
      const body = {
        seq: seq++,
        kind: record.kind,
        hash: record.hash,
        prev,
        captured_at: record.captured_at,
      };
      const entry: LedgerEntry = { ...body, digest: entryDigest(body) };
      entries.push(entry);
      prev = entry.digest;
    }
    // One O_APPEND write of whole lines: never rewrites what is there.
    const fd = openCreatingSync(this.file, 'a');
    try {
      appendWholeSync(fd, entries.map((e) => `${canonicalJson(e)}\n`).join(''), this.file);
    } finally {
      fs.closeSync(fd);
    }
    return entries;
  }

  async read(): Promise<string> {
    return readFile(this.file, 'utf8').catch(() => '');
  }
}

export interface LedgerCheck {
  entries: number;
  ok: boolean;
  /** The first broken link, if any: line number and why. */
  first_broken: { line: number; reason: string } | null;
  /** Hashes of run records the ledger lists (kind `run`, not tombstoned). */
  runs: Set<string>;
  tombstones: Set<string>;
}

/** Checks the chain: sequence numbers, digests and links, line by line. */
export function checkLedger(text: string): LedgerCheck {
  const runs = new Set<string>();
  const tombstones = new Set<string>();
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  let prev = GENESIS;
  let expectedSeq = 1;
  for (const [i, line] of lines.entries()) {
    const fail = (reason: string): LedgerCheck => ({
      entries: lines.length,
      ok: false,
      first_broken: { line: i + 1, reason },
      runs,
      tombstones,
    });
    let entry: LedgerEntry;
    try {
      entry = JSON.parse(line) as LedgerEntry;
    } catch {
      return fail('not valid JSON (torn or edited line)');
    }
    if (entry.seq !== expectedSeq)
      return fail(`seq ${entry.seq} where ${expectedSeq} was expected (line removed or reordered)`);
    if (entry.prev !== prev)
      return fail('prev does not match the previous entry (line removed, reordered or edited)');
    const { digest, ...body } = entry;
    if (entryDigest(body) !== digest) return fail('digest does not match the entry (edited)');
    if (entry.kind === 'run') runs.add(entry.hash);
    if (entry.kind === 'tombstone') tombstones.add(entry.hash);
    prev = digest;
    expectedSeq++;
  }
  return { entries: lines.length, ok: true, first_broken: null, runs, tombstones };
}
