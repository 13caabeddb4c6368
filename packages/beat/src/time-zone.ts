/**
 * Timezones are IANA names (`Europe/Paris`, `America/New_York`, `UTC`), as Celery's
 * `timezone` setting takes them; the runtime's ICU data decides which exist.
 */

/** Celery's default `timezone`. */
export const DEFAULT_TIMEZONE = 'UTC';

/** Whether `name` is a timezone this runtime knows. */
export function isKnownTimezone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
