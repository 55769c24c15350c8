import type { HistoryProblemRow, HistoryRow } from './scan-chunk.js';

/**
 * Summaries of history files, column by column. A history folder of 100,000
 * records is three string columns and a few typed arrays here, instead of
 * 100,000 small arrays and objects: cheaper to build, to pass between
 * threads, to store in the summary index and to summarize.
 *
 * Entry `i` is one file. `kind[i]` says what it is: a run that ended `ok`
 * (`KIND_OK`), one that ended in `error` (`KIND_ERROR`), or a file that could
 * not be summarized (`KIND_PROBLEM`, with `reason[i]`). Run fields of a
 * problem entry are empty, and `reason` of a run is `''`.
 */
export interface HistoryTable {
  /** `<hash>.json` for a run; any file name for a problem. */
  files: string[];
  size: number[];
  mtime: number[];
  kind: Uint8Array;
  capturedAt: string[];
  /** `captured_at` in seconds since the epoch (NaN for a problem, or a date the parser rejects). */
  seconds: Float64Array;
  task: string[];
  /** The task's family: `FAMILIES[family[i]]` (`FAMILY_NONE` for a problem). */
  family: Uint8Array;
  /** The template a `template:<id>` task names, or `''`. */
  template: string[];
  reason: string[];
  approved: Uint32Array;
  denied: Uint32Array;
  failedAfterApproval: Uint32Array;
  /** Action ids of each run, in record order. */
  actions: NameLists;
  /** `worker_id`s of each run's actions, in record order. */
  workers: NameLists;
}

/** Lists of names per entry: entry `i` holds `names[ids[k]]` for `k` in `start[i]..start[i+1]`. */
export interface NameLists {
  names: string[];
  start: Uint32Array;
  ids: Uint32Array;
}

export const KIND_OK = 0;
export const KIND_ERROR = 1;
export const KIND_PROBLEM = 2;

/** Task families by code (see `taskFamily` in summarize-history.ts). */
export const FAMILIES = ['action', 'template', 'free-text'] as const;
export const FAMILY_NONE = 3;

/** How a builder classifies tasks (summarize-history.ts passes its `taskFamily` and `templateOfTask`). */
export interface TaskClassifier {
  taskFamily(task: string): string;
  templateOfTask(task: string): string | null;
  /** Seconds of a canonical `captured_at`, NaN otherwise (`canonicalSeconds`); others go through `Date.parse`. */
  canonicalSeconds?(capturedAt: string): number;
}

/** What `createTableBuilder` returns (see there). */
export interface TableBuilder {
  addRun(
    file: string,
    size: number,
    mtime: number,
    run: {
      capturedAt: string;
      status: 'ok' | 'error';
      task: string;
      actions: readonly string[];
      workers: readonly string[];
      approved: number;
      denied: number;
      failedAfterApproval: number;
    },
  ): void;
  addProblem(file: string, size: number, mtime: number, reason: string): void;
  build(): HistoryTable;
}

/**
 * Builds a table one entry at a time. Runs in worker threads from its own
 * source text (see history-scan.ts), so it must not refer to anything
 * outside its body.
 */
export function createTableBuilder(classify: TaskClassifier): TableBuilder {
  const families = ['action', 'template', 'free-text'];
  const files: string[] = [];
  const size: number[] = [];
  const mtime: number[] = [];
  const kind: number[] = [];
  const capturedAt: string[] = [];
  const seconds: number[] = [];
  const task: string[] = [];
  const family: number[] = [];
  const template: string[] = [];
  const reason: string[] = [];
  const approved: number[] = [];
  const denied: number[] = [];
  const failedAfterApproval: number[] = [];
  const lists = () => ({
    names: [] as string[],
    idOf: new Map<string, number>(),
    start: [0],
    ids: [] as number[],
  });
  const actions = lists();
  const workers = lists();
  const push = (list: ReturnType<typeof lists>, name: string) => {
    let id = list.idOf.get(name);
    if (id === undefined) {
      id = list.names.length;
      list.names.push(name);
      list.idOf.set(name, id);
    }
    list.ids.push(id);
  };
  const entry = (file: string, fileSize: number, fileMtime: number, entryKind: number) => {
    files.push(file);
    size.push(fileSize);
    mtime.push(fileMtime);
    kind.push(entryKind);
  };
  const finishLists = () => {
    actions.start.push(actions.ids.length);
    workers.start.push(workers.ids.length);
  };
  const freeze = (list: ReturnType<typeof lists>) => ({
    names: list.names,
    start: Uint32Array.from(list.start),
    ids: Uint32Array.from(list.ids),
  });
  return {
    addRun(file, fileSize, fileMtime, run) {
      entry(file, fileSize, fileMtime, run.status === 'ok' ? 0 : 1);
      capturedAt.push(run.capturedAt);
      const canonical = classify.canonicalSeconds?.(run.capturedAt) ?? Number.NaN;
      seconds.push(Number.isNaN(canonical) ? Date.parse(run.capturedAt) / 1000 : canonical);
      task.push(run.task);
      const code = families.indexOf(classify.taskFamily(run.task));
      family.push(code < 0 ? 3 : code);
      template.push(code === 1 ? (classify.templateOfTask(run.task) ?? '') : '');
      reason.push('');
      approved.push(run.approved);
      denied.push(run.denied);
      failedAfterApproval.push(run.failedAfterApproval);
      for (const name of run.actions) push(actions, name);
      for (const name of run.workers) push(workers, name);
      finishLists();
    },
    addProblem(file, fileSize, fileMtime, why) {
      entry(file, fileSize, fileMtime, 2);
      capturedAt.push('');
      seconds.push(Number.NaN);
      task.push('');
      family.push(3);
      template.push('');
      reason.push(why);
      approved.push(0);
      denied.push(0);
      failedAfterApproval.push(0);
      finishLists();
    },
    build() {
      return {
        files,
        size,
        mtime,
        kind: Uint8Array.from(kind),
        capturedAt,
        seconds: Float64Array.from(seconds),
        task,
        family: Uint8Array.from(family),
        template,
        reason,
        approved: Uint32Array.from(approved),
        denied: Uint32Array.from(denied),
        failedAfterApproval: Uint32Array.from(failedAfterApproval),
        actions: freeze(actions),
        workers: freeze(workers),
      };
    },
  };
}

/**
 * A table as text, two JSON lines. The first holds what a rebuild needs to
 * match files and order runs (`n`, file names, size, mtime, seconds); the
 * second everything else, so the summary index can leave it unparsed. Number
 * columns are base64 of their bytes in this machine's byte order (the index
 * records which), string columns JSON arrays: parsing makes the strings and
 * a few typed arrays, no objects per entry. Used for the summary index and
 * for results crossing threads. Runs in worker threads from its own source
 * text: no outside references.
 */
export function encodeTable(table: HistoryTable): string {
  const bytes = (
    column: ArrayLike<number>,
    Type: Float64ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor,
  ) => {
    const typed = Type.from(column);
    return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('base64');
  };
  const lists = (list: NameLists) => ({
    names: list.names,
    start: bytes(list.start, Uint32Array),
    ids: bytes(list.ids, Uint32Array),
  });
  const head = JSON.stringify({
    n: table.files.length,
    files: table.files,
    size: bytes(table.size, Float64Array),
    mtime: bytes(table.mtime, Float64Array),
    seconds: bytes(table.seconds, Float64Array),
  });
  const rest = JSON.stringify({
    kind: bytes(table.kind, Uint8Array),
    captured_at: table.capturedAt,
    task: table.task,
    family: bytes(table.family, Uint8Array),
    template: table.template,
    reason: table.reason,
    approved: bytes(table.approved, Uint32Array),
    denied: bytes(table.denied, Uint32Array),
    failed_after_approval: bytes(table.failedAfterApproval, Uint32Array),
    actions: lists(table.actions),
    workers: lists(table.workers),
  });
  return `${head}\n${rest}`;
}

/** The first line of an encoded table: enough to match files against a folder and order runs. */
export interface TableHead {
  files: string[];
  size: Float64Array;
  mtime: Float64Array;
  seconds: Float64Array;
}

type TypedArrayType = Float64ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor;

/** A base64 number column (as `encodeTable` writes them) of `length` entries (any, when null); throws naming `key`. */
export function typedColumn<T extends TypedArrayType>(
  value: unknown,
  key: string,
  Type: T,
  length: number | null,
) {
  if (typeof value !== 'string') throw new Error(`table: ${key}`);
  const bytes = Buffer.from(value, 'base64');
  const count = length ?? bytes.length / Type.BYTES_PER_ELEMENT;
  if (!Number.isInteger(count) || bytes.length !== count * Type.BYTES_PER_ELEMENT)
    throw new Error(`table: ${key}`);
  const column = new Type(count) as InstanceType<T>;
  new Uint8Array(column.buffer).set(bytes);
  return column;
}

function stringColumn(value: unknown, key: string, length: number): string[] {
  if (!Array.isArray(value) || value.length !== length) throw new Error(`table: ${key}`);
  for (let i = 0; i < length; i++) if (typeof value[i] !== 'string') throw new Error(`table: ${key}`);
  return value as string[];
}

/** Parses the first line of `encodeTable` output; throws on text of another shape. */
export function decodeTableHead(text: string): TableHead {
  const raw = JSON.parse(text) as Record<string, unknown> | null;
  const n = raw?.n;
  if (raw === null || typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error('table: n');
  return {
    files: stringColumn(raw.files, 'files', n),
    size: typedColumn(raw.size, 'size', Float64Array, n),
    mtime: typedColumn(raw.mtime, 'mtime', Float64Array, n),
    seconds: typedColumn(raw.seconds, 'seconds', Float64Array, n),
  };
}

/**
 * The whole table from its parsed first line and the text of its second;
 * throws on text of another shape (callers treat that as no table). Codes
 * and name ids are checked against their ranges.
 */
export function decodeTableRest(head: TableHead, text: string): HistoryTable {
  const raw = JSON.parse(text) as Record<string, unknown> | null;
  if (raw === null || typeof raw !== 'object') throw new Error('table: not an object');
  const n = head.files.length;
  const bounded = (key: string, max: number) => {
    const column = typedColumn(raw[key], key, Uint8Array, n);
    for (let i = 0; i < n; i++) if ((column[i] as number) > max) throw new Error(`table: ${key}`);
    return column;
  };
  const lists = (key: string): NameLists => {
    const value = raw[key] as { names?: unknown; start?: unknown; ids?: unknown } | null;
    const names = value?.names;
    if (!Array.isArray(names) || !names.every((x) => typeof x === 'string')) throw new Error(`table: ${key}`);
    const start = typedColumn(value?.start, key, Uint32Array, n + 1);
    const ids = typedColumn(value?.ids, key, Uint32Array, null);
    let ok = start[0] === 0 && start[n] === ids.length;
    for (let i = 0; i < n && ok; i++) ok = (start[i] as number) <= (start[i + 1] as number);
    for (let k = 0; k < ids.length && ok; k++) ok = (ids[k] as number) < names.length;
    if (!ok) throw new Error(`table: ${key}`);
    return { names: names as string[], start, ids };
  };
  return {
    files: head.files,
    size: Array.from(head.size),
    mtime: Array.from(head.mtime),
    kind: bounded('kind', KIND_PROBLEM),
    capturedAt: stringColumn(raw.captured_at, 'captured_at', n),
    seconds: head.seconds,
    task: stringColumn(raw.task, 'task', n),
    family: bounded('family', FAMILY_NONE),
    template: stringColumn(raw.template, 'template', n),
    reason: stringColumn(raw.reason, 'reason', n),
    approved: typedColumn(raw.approved, 'approved', Uint32Array, n),
    denied: typedColumn(raw.denied, 'denied', Uint32Array, n),
    failedAfterApproval: typedColumn(raw.failed_after_approval, 'failed_after_approval', Uint32Array, n),
    actions: lists('actions'),
    workers: lists('workers'),
  };
}

/** Parses `encodeTable` output; throws on text of another shape. */
export function decodeTable(text: string): HistoryTable {
  const cut = text.indexOf('\n');
  if (cut < 0) throw new Error('table: lines');
  return decodeTableRest(decodeTableHead(text.slice(0, cut)), text.slice(cut + 1));
}

/** The names of entry `i` in `lists`. */
export function namesOf(lists: NameLists, i: number): string[] {
  const out: string[] = [];
  const end = lists.start[i + 1] as number;
  for (let k = lists.start[i] as number; k < end; k++)
    out.push(lists.names[lists.ids[k] as number] as string);
  return out;
}

/** A table of rows (the `scanHistory` form). */
export function tableFromRows(rows: readonly HistoryRow[], classify: TaskClassifier): HistoryTable {
  const builder = createTableBuilder(classify);
  for (const row of rows)
    builder.addRun(row[0], row[9], row[10], {
      capturedAt: row[1],
      status: row[2],
      task: row[3],
      actions: row[4],
      workers: row[5],
      approved: row[6],
      denied: row[7],
      failedAfterApproval: row[8],
    });
  return builder.build();
}

/** Entry `i` of `table` as a row (for a run) or a problem row. */
export function entryAsRow(table: HistoryTable, i: number): HistoryRow | HistoryProblemRow {
  const file = table.files[i] as string;
  const size = table.size[i] as number;
  const mtime = table.mtime[i] as number;
  if (table.kind[i] === KIND_PROBLEM) return [file, size, mtime, table.reason[i] as string];
  return [
    file,
    table.capturedAt[i] as string,
    table.kind[i] === KIND_OK ? 'ok' : 'error',
    table.task[i] as string,
    namesOf(table.actions, i),
    namesOf(table.workers, i),
    table.approved[i] as number,
    table.denied[i] as number,
    table.failedAfterApproval[i] as number,
    size,
    mtime,
  ];
}

const KEYS_OF_STRING_COLUMNS = ['files', 'capturedAt', 'task', 'template', 'reason'] as const;
const KEYS_OF_NUMBER_COLUMNS = ['size', 'mtime'] as const;
const KEYS_OF_TYPED_COLUMNS = [
  'kind',
  'seconds',
  'family',
  'approved',
  'denied',
  'failedAfterApproval',
] as const;

/** Entries `indices` of `table`, in that order, column by column. */
export function pickEntries(table: HistoryTable, indices: ArrayLike<number>): HistoryTable {
  const count = indices.length;
  const out = {} as Record<string, unknown>;
  for (const key of [...KEYS_OF_STRING_COLUMNS, ...KEYS_OF_NUMBER_COLUMNS]) {
    const from = table[key] as unknown[];
    const column = new Array(count);
    for (let k = 0; k < count; k++) column[k] = from[indices[k] as number];
    out[key] = column;
  }
  for (const key of KEYS_OF_TYPED_COLUMNS) {
    const from = table[key];
    const column = new (from.constructor as new (length: number) => typeof from)(count);
    for (let k = 0; k < count; k++) column[k] = from[indices[k] as number] as number;
    out[key] = column;
  }
  const lists = (from: NameLists): NameLists => {
    const start = new Uint32Array(count + 1);
    const ids: number[] = [];
    for (let k = 0; k < count; k++) {
      const i = indices[k] as number;
      const end = from.start[i + 1] as number;
      for (let at = from.start[i] as number; at < end; at++) ids.push(from.ids[at] as number);
      start[k + 1] = ids.length;
    }
    return { names: from.names, start, ids: Uint32Array.from(ids) };
  };
  return {
    ...(out as unknown as HistoryTable),
    actions: lists(table.actions),
    workers: lists(table.workers),
  };
}

/** The entries of `table` whose `keep` flag is 1. */
export function selectEntries(table: HistoryTable, keep: Uint8Array): HistoryTable {
  const indices: number[] = [];
  for (let i = 0; i < keep.length; i++) if (keep[i] === 1) indices.push(i);
  return pickEntries(table, indices);
}

/** `table` ordered by file name (how the summary index stores segments, so rebuilds can match by merging). */
export function sortedByFile(table: HistoryTable): HistoryTable {
  const { files } = table;
  const order = Uint32Array.from(files.keys()).sort((a, b) => {
    const fa = files[a] as string;
    const fb = files[b] as string;
    return fa < fb ? -1 : fa > fb ? 1 : 0;
  });
  return pickEntries(table, order);
}

/**
 * Where each of `files` is in `names` (sorted, no duplicates), or -1. Sorted
 * `files` are found by galloping forward from the previous match (about
 * 2·log2 of the gap in comparisons each); others through a map of `names`,
 * made once and kept in `cache`.
 */
export function positionsIn(
  names: readonly string[],
  files: readonly string[],
  cache: { map?: Map<string, number> } = {},
): Int32Array {
  const out = new Int32Array(files.length).fill(-1);
  let sorted = true;
  for (let j = 1; j < files.length && sorted; j++) sorted = (files[j - 1] as string) < (files[j] as string);
  if (!sorted) {
    if (cache.map === undefined) {
      cache.map = new Map();
      for (let i = 0; i < names.length; i++) cache.map.set(names[i] as string, i);
    }
    for (let j = 0; j < files.length; j++) out[j] = cache.map.get(files[j] as string) ?? -1;
    return out;
  }
  let i = 0;
  for (let j = 0; j < files.length; j++) {
    const file = files[j] as string;
    // Gallop: find a step past `file`, then search the last stretch.
    let lo = i;
    let step = 1;
    while (lo + step < names.length && (names[lo + step] as string) < file) {
      lo += step;
      step *= 2;
    }
    let hi = Math.min(lo + step, names.length);
    if (lo < names.length && (names[lo] as string) < file) lo++;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((names[mid] as string) < file) lo = mid + 1;
      else hi = mid;
    }
    i = lo;
    if (i < names.length && names[i] === file) out[j] = i;
  }
  return out;
}

/** One table of all entries of `tables` (at least one), in order. */
export function concatTables(tables: readonly HistoryTable[]): HistoryTable {
  if (tables.length === 1) return tables[0] as HistoryTable;
  const out = {} as Record<string, unknown>;
  for (const key of [...KEYS_OF_STRING_COLUMNS, ...KEYS_OF_NUMBER_COLUMNS])
    out[key] = ([] as unknown[]).concat(...tables.map((table) => table[key]));
  const total = tables.reduce((sum, table) => sum + table.files.length, 0);
  for (const key of KEYS_OF_TYPED_COLUMNS) {
    const first = (tables[0] as HistoryTable)[key];
    const column = new (first.constructor as new (length: number) => typeof first)(total);
    let at = 0;
    for (const table of tables) {
      column.set(table[key] as never, at);
      at += table.files.length;
    }
    out[key] = column;
  }
  const lists = (pick: (table: HistoryTable) => NameLists): NameLists => {
    const names: string[] = [];
    const idOf = new Map<string, number>();
    const start = new Uint32Array(total + 1);
    const ids = new Uint32Array(tables.reduce((sum, table) => sum + pick(table).ids.length, 0));
    let entry = 0;
    let at = 0;
    for (const table of tables) {
      const from = pick(table);
      const map = from.names.map((name) => {
        let id = idOf.get(name);
        if (id === undefined) {
          id = names.length;
          names.push(name);
          idOf.set(name, id);
        }
        return id;
      });
      for (let k = 0; k < from.ids.length; k++) ids[at + k] = map[from.ids[k] as number] as number;
      for (let i = 1; i < from.start.length; i++) start[entry + i] = at + (from.start[i] as number);
      entry += from.start.length - 1;
      at += from.ids.length;
    }
    return { names, start, ids };
  };
  return {
    ...(out as unknown as HistoryTable),
    actions: lists((table) => table.actions),
    workers: lists((table) => table.workers),
  };
}
