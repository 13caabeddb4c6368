/**
 * Times on the wire. Celery writes `eta`/`expires` with `datetime.isoformat()` of an
 * aware datetime (`…+00:00`), result `date_done` as a naive UTC isoformat, and kombu's
 * JSON writes aware UTC datetimes with `Z`. Python prints microseconds, and omits the
 * fraction entirely when it is zero; JavaScript has milliseconds, so the last three
 * digits are always `000`. Parsing accepts all of these forms.
 */
import { DecodeError } from './errors.js';

function isoParts(date: Date, path: string): { seconds: string; fraction: string } {
  if (Number.isNaN(date.getTime())) throw new RangeError(`${path}: invalid Date`);
  const iso = date.toISOString();
  const millis = iso.slice(20, 23);
  return { seconds: iso.slice(0, 19), fraction: millis === '000' ? '' : `.${millis}000` };
}

/** `datetime.isoformat()` of an aware UTC datetime: `2026-11-23T20:39:46.269000+00:00`. */
export function formatIsoDate(date: Date): string {
  const { seconds, fraction } = isoParts(date, 'date');
  return `${seconds}${fraction}+00:00`;
}

/** Celery's result `date_done`: naive UTC isoformat, `2026-11-23T20:40:37.011000`. */
export function formatDateDone(date: Date): string {
  const { seconds, fraction } = isoParts(date, 'date_done');
  return `${seconds}${fraction}`;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d+)?)?)?)?$/i;

/**
 * Parse an ISO-8601 time as Celery and kombu write it: with `Z`, with an offset
 * (`+00:00`, `+0100`, `-05`), or naive (taken as UTC, like Celery's `maybe_make_aware`),
 * with or without a fraction (any number of digits; below a millisecond is dropped).
 * Throws {@link DecodeError} at `path` otherwise.
 */
export function parseIsoDate(text: unknown, path: string): Date {
  if (typeof text !== 'string') throw new DecodeError(path, 'expected an ISO-8601 string');
  const m = ISO.exec(text.trim());
  if (!m) throw new DecodeError(path, `${JSON.stringify(text)} is not an ISO-8601 time`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(time);
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw new DecodeError(path, `${JSON.stringify(text)} is not a valid date and time`);
  }
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replaceAll(':', '');
    const offset =
      Number(digits.slice(0, 2)) * 3_600_000 +
      Number(digits.slice(2, 4) || '0') * 60_000 +
      Number(digits.slice(4) || '0') * 1000;
    time -= sign * offset;
  }
  return new Date(time);
}

/** Like {@link parseIsoDate}, but `null`/absent give `null`. */
export function parseOptionalIsoDate(text: unknown, path: string): Date | null {
  return text === null || text === undefined ? null : parseIsoDate(text, path);
}
