/**
 * Schedules as Celery users write them: seconds (an interval), `crontab({ minute, hour,
 * dayOfWeek, dayOfMonth, monthOfYear })`, a cron string, or a one-off date. A schedule is
 * plain JSON, so an entry added at run time is stored as it was given and every replica
 * reads the same thing back.
 */

/** The kinds of schedule. */
export const ScheduleKind = {
  /** Every N seconds (Celery's `schedule(run_every=…)`, a number in `beat_schedule`). */
  interval: 'interval',
  /** Celery's `crontab(…)`: fields all of which must match (day of month AND day of week). */
  crontab: 'crontab',
  /** A cron string (5 fields, or 6 with seconds first), read as Vixie cron reads it. */
  cron: 'cron',
  /** Once, at a date (django-celery-beat's clocked schedule, BullMQ's delayed job). */
  once: 'once',
} as const;
/** One of the values of {@link ScheduleKind}. */
export type ScheduleKind = (typeof ScheduleKind)[keyof typeof ScheduleKind];

/** Every `seconds`, counted from the entry's last run. */
export interface IntervalSchedule {
  readonly kind: typeof ScheduleKind.interval;
  /** Seconds between runs; more than 0 (fractions allowed). */
  readonly seconds: number;
}

/** A crontab field: `'*'`, `'*\/15'`, `'1-5'`, `'mon-fri'`, a number, or a list of numbers. */
export type CrontabField = string | number | readonly number[];

/** What {@link crontab} takes: Celery's `crontab()` keywords, camelCased; each defaults to `'*'`. */
export interface CrontabFields {
  /** 0–59. */
  readonly minute?: CrontabField;
  /** 0–23. */
  readonly hour?: CrontabField;
  /** 0–6 with 0 = Sunday (7 is Sunday too), or names: `'mon-fri'`, `'sat,sun'`. */
  readonly dayOfWeek?: CrontabField;
  /** 1–31. */
  readonly dayOfMonth?: CrontabField;
  /** 1–12, or names: `'jan'`, `'jun-aug'`. */
  readonly monthOfYear?: CrontabField;
  /** IANA timezone for this schedule only; default the beat's `timezone`. */
  readonly timezone?: string;
}

/** Celery's crontab, each field as text. */
export interface CrontabSchedule {
  readonly kind: typeof ScheduleKind.crontab;
  readonly minute: string;
  readonly hour: string;
  readonly dayOfWeek: string;
  readonly dayOfMonth: string;
  readonly monthOfYear: string;
  /** IANA timezone for this schedule only. */
  readonly timezone?: string;
}

/** A cron string. */
export interface CronSchedule {
  readonly kind: typeof ScheduleKind.cron;
  /** `'0 3 * * *'`, or with seconds first `'*\/10 * * * * *'`; `@daily` and friends too. */
  readonly expression: string;
  /** IANA timezone for this schedule only. */
  readonly timezone?: string;
}

/** One run at a date. */
export interface OnceSchedule {
  readonly kind: typeof ScheduleKind.once;
  /**
   * ISO 8601. With an offset (`Z`, `+02:00`) it is that instant; without one it is a wall
   * time in the schedule's (or the beat's) timezone.
   */
  readonly at: string;
  /** IANA timezone of an `at` without offset. */
  readonly timezone?: string;
}

/** A schedule, in its stored form. */
export type Schedule = IntervalSchedule | CrontabSchedule | CronSchedule | OnceSchedule;

/**
 * What an entry's `schedule` accepts: a {@link Schedule}, a number of seconds (as Celery's
 * `beat_schedule` takes a number or a `timedelta`), a cron string, or a `Date` (once).
 */
export type ScheduleInput = Schedule | number | string | Date;

/** Every `seconds` seconds. */
export function every(seconds: number): IntervalSchedule {
  return { kind: ScheduleKind.interval, seconds };
}

function field(value: CrontabField | undefined): string {
  if (value === undefined) return '*';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value.trim();
  return value.join(',');
}

/**
 * Celery's `crontab()`: `crontab({ minute: 30, hour: 7, dayOfWeek: 'mon' })` runs at 7:30
 * every Monday in the beat's timezone. As in Celery, every field must match, including
 * day of month and day of week together; `crontab()` alone runs every minute.
 */
export function crontab(fields: CrontabFields = {}): CrontabSchedule {
  return {
    kind: ScheduleKind.crontab,
    minute: field(fields.minute),
    hour: field(fields.hour),
    dayOfWeek: field(fields.dayOfWeek),
    dayOfMonth: field(fields.dayOfMonth),
    monthOfYear: field(fields.monthOfYear),
    ...(fields.timezone === undefined ? {} : { timezone: fields.timezone }),
  };
}

/**
 * A cron string: `cron('0 3 * * *')` (03:00 daily), `cron('*\/10 * * * * *')` (every ten
 * seconds). Day of month and day of week match either one, as in Vixie cron.
 */
export function cron(expression: string, options: { timezone?: string } = {}): CronSchedule {
  return {
    kind: ScheduleKind.cron,
    expression: expression.trim(),
    ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
  };
}

/**
 * Once, at `date`: a `Date`, or an ISO 8601 string (without offset: a wall time in the
 * timezone).
 */
export function at(date: Date | string, options: { timezone?: string } = {}): OnceSchedule {
  const iso = typeof date === 'string' ? date.trim() : isoOf(date);
  return {
    kind: ScheduleKind.once,
    at: iso,
    ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
  };
}

function isoOf(date: Date): string {
  // An invalid Date has no ISO form; keep something the compiler reports clearly.
  return Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString();
}

/** The stored form of what an entry's `schedule` was given. */
export function toSchedule(input: ScheduleInput): Schedule {
  if (typeof input === 'number') return every(input);
  if (typeof input === 'string') return cron(input);
  if (input instanceof Date) return at(input);
  return input;
}
