import { createHash } from 'node:crypto';

/**
 * A user-supplied id as one safe file-name segment: letters, digits, `_`
 * and `-` are kept, everything else (including `.` and `/`) is escaped as
 * `%XX`, so `../../etc` can never leave its folder. Long ids are cut and
 * suffixed with a hash to stay unique.
 */
export function safeFileName(id: string): string {
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
