import { createHash } from 'node:crypto';

/** An id that is already one safe segment: what the loop below would keep unchanged. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,120}$/;

/**
 * A user-supplied id as one safe file-name segment: letters, digits, `_`
 * and `-` are kept, everything else (including `.` and `/`) is escaped as
 * `%XX`, so `../../etc` can never leave its folder. Long ids are cut and
 * suffixed with a hash to stay unique.
 */
export function safeFileName(id: string): string {
  // Most ids are already safe and short: kept as they are, without a byte-by-byte pass.
  if (SAFE_ID.test(id)) return id;
  let out = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out === '') out = '%00empty';
  if (out.length > 120)
    out = `${out.slice(0, 100)}~${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
  return out;
}
