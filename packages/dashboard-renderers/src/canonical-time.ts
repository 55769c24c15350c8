/**
 * Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ` naming a real UTC time,
 * worked out by arithmetic (a fraction of what `Date.parse` costs); NaN for
 * any other text, including text `Date.parse` reads as a later time, such
 * as `2024-02-30` (March 1st) or `24:00:00` (the next day). Runs in worker
 * threads from its own source text: no outside references.
 */
export function canonicalSeconds(text: string): number {
  if (text.length !== 20 || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T') return Number.NaN;
  if (text[13] !== ':' || text[16] !== ':' || text[19] !== 'Z') return Number.NaN;
  const digits = (from: number, count: number) => {
    let value = 0;
    for (let k = from; k < from + count; k++) {
      const digit = text.charCodeAt(k) - 48;
      if (digit < 0 || digit > 9) return Number.NaN;
      value = value * 10 + digit;
    }
    return value;
  };
  const year = digits(0, 4);
  const month = digits(5, 2);
  const day = digits(8, 2);
  const hour = digits(11, 2);
  const minute = digits(14, 2);
  const second = digits(17, 2);
  // NaN fails every comparison below, so a non-digit anywhere is rejected too.
  if (!(year >= 0 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59))
    return Number.NaN;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (day > monthDays) return Number.NaN;
  // Days since 1970-01-01 in the proleptic Gregorian calendar, as Date counts them.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return days * 86_400 + hour * 3600 + minute * 60 + second;
}

/** Whether `text` is `YYYY-MM-DDTHH:MM:SSZ` naming a real UTC time (see `canonicalSeconds`). */
export function isCanonicalTimestamp(text: string): boolean {
  return !Number.isNaN(canonicalSeconds(text));
}
