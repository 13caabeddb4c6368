// Run times of every kind of schedule, in UTC and in a timezone across both DST changes.
import { describe, expect, it } from 'vitest';
import { at, cron, crontab, every } from '@celeriac/beat';
import { ScheduleProblem, compileSchedule } from '../src/compiled-schedule.js';
import type { Schedule } from '../src/schedule.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const ms = (s: string) => Date.parse(s);

/** The first `n` runs after `from`, as ISO strings. */
function runs(schedule: Schedule, from: string, n: number, tz = 'UTC'): (string | undefined)[] {
  const compiled = compileSchedule(schedule, tz);
  const out: (string | undefined)[] = [];
  let after = ms(from);
  for (let i = 0; i < n; i++) {
    const next = compiled.nextAfter(after);
    out.push(iso(next));
    if (next === undefined) break;
    after = next;
  }
  return out;
}

describe('intervals', () => {
  it('run every N seconds from the base, fractions included', () => {
    expect(runs(every(30), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:01:30.000Z',
    ]);
    expect(runs(every(0.25), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T00:00:00.250Z',
      '2026-01-01T00:00:00.500Z',
    ]);
  });

  it('give the latest run in a span, on the grid of the base', () => {
    const s = compileSchedule(every(10), 'UTC');
    const base = ms('2026-01-01T00:00:00Z');
    expect(iso(s.latestIn(base, base + 9_999))).toBeUndefined();
    expect(iso(s.latestIn(base, base + 10_000))).toBe('2026-01-01T00:00:10.000Z');
    expect(iso(s.latestIn(base, base + 65_000))).toBe('2026-01-01T00:01:00.000Z');
  });

  it('count real time across DST, whatever the timezone', () => {
    expect(runs(every(3600), '2026-03-08T06:00:00Z', 3, 'America/New_York')).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
      '2026-03-08T09:00:00.000Z',
    ]);
  });
});

describe('crontabs', () => {
  it('run at the fields, every minute by default', () => {
    expect(runs(crontab(), '2026-01-01T00:00:30Z', 2)).toEqual([
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:02:00.000Z',
    ]);
    expect(runs(crontab({ minute: '*/15', hour: [9, 17] }), '2026-01-01T09:40:00Z', 3)).toEqual([
      '2026-01-01T09:45:00.000Z',
      '2026-01-01T17:00:00.000Z',
      '2026-01-01T17:15:00.000Z',
    ]);
  });

  it('take day names and month names; Sunday is 0 as in Celery', () => {
    // 2026-01-02 is a Friday.
    expect(
      runs(crontab({ minute: 0, hour: 9, dayOfWeek: 'mon-fri' }), '2026-01-02T10:00:00Z', 2),
    ).toEqual(['2026-01-05T09:00:00.000Z', '2026-01-06T09:00:00.000Z']);
    expect(runs(crontab({ minute: 0, hour: 0, dayOfWeek: 0 }), '2026-01-01T00:00:00Z', 1)).toEqual([
      '2026-01-04T00:00:00.000Z',
    ]);
    expect(
      runs(
        crontab({ minute: 0, hour: 0, dayOfMonth: 1, monthOfYear: 'jun-aug' }),
        '2026-01-01T00:00:00Z',
        2,
      ),
    ).toEqual(['2026-06-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z']);
  });

  it('need day of month AND day of week together, as Celery’s crontab does', () => {
    // Friday the 13th: 2026-02-13 and 2026-03-13.
    expect(
      runs(
        crontab({ minute: 0, hour: 0, dayOfMonth: 13, dayOfWeek: 'fri' }),
        '2026-01-01T00:00:00Z',
        2,
      ),
    ).toEqual(['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z']);
  });

  it('run in their timezone: 07:30 in Paris is 06:30 UTC in winter, 05:30 in summer', () => {
    const tz = 'Europe/Paris';
    expect(runs(crontab({ minute: 30, hour: 7 }), '2026-01-10T00:00:00Z', 1, tz)).toEqual([
      '2026-01-10T06:30:00.000Z',
    ]);
    expect(runs(crontab({ minute: 30, hour: 7 }), '2026-07-10T00:00:00Z', 1, tz)).toEqual([
      '2026-07-10T05:30:00.000Z',
    ]);
    const ownZone = crontab({ minute: 30, hour: 7, timezone: 'Asia/Tokyo' });
    expect(runs(ownZone, '2026-01-10T00:00:00Z', 1, tz)).toEqual(['2026-01-10T22:30:00.000Z']);
  });
});

describe('DST in America/New_York (2026-03-08 02:00 → 03:00, 2026-11-01 02:00 → 01:00)', () => {
  const tz = 'America/New_York';

  it('spring forward: a fixed time in the gap runs once, when the clock has jumped', () => {
    expect(runs(crontab({ minute: 30, hour: 2 }), '2026-03-06T12:00:00Z', 3, tz)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist: 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('spring forward: wildcard runs in the gap do not exist', () => {
    expect(runs(cron('*/30 * * * *'), '2026-03-08T06:00:00Z', 3, tz)).toEqual([
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT (02:00 and 02:30 never happen)
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
    ]);
  });

  it('fall back: a fixed time that occurs twice runs once, at the first', () => {
    expect(runs(crontab({ minute: 30, hour: 1 }), '2026-10-31T00:00:00Z', 3, tz)).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, not again at 01:30 EST
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  it('fall back: wildcard runs happen on both passes of the repeated hour', () => {
    expect(runs(cron('30 * * * *'), '2026-11-01T04:45:00Z', 3, tz)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T06:30:00.000Z', // 01:30 EST
      '2026-11-01T07:30:00.000Z', // 02:30 EST
    ]);
  });

  it('finds the latest run across a change too', () => {
    const s = compileSchedule(crontab({ minute: 30, hour: 1 }), tz);
    expect(iso(s.latestIn(ms('2026-10-31T06:00:00Z'), ms('2026-11-01T07:00:00Z')))).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });
});

describe('cron strings', () => {
  it('take 5 fields, or 6 with seconds first, and nicknames', () => {
    expect(runs(cron('0 3 * * *'), '2026-01-01T00:00:00Z', 1)).toEqual([
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(runs(cron('*/10 * * * * *'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T00:00:10.000Z',
      '2026-01-01T00:00:20.000Z',
    ]);
    expect(runs(cron('@daily'), '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-02T00:00:00.000Z']);
  });

  it('match day of month OR day of week, as Vixie cron does', () => {
    expect(runs(cron('0 0 13 * 5'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-02T00:00:00.000Z', // a Friday
      '2026-01-09T00:00:00.000Z',
    ]);
  });
});

describe('one-off dates', () => {
  it('run once, at the instant, with an offset or in the timezone without one', () => {
    expect(runs(at('2026-06-01T09:00:00Z'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-06-01T09:00:00.000Z',
      undefined,
    ]);
    expect(runs(at(new Date('2026-06-01T09:00:00+02:00')), '2026-01-01T00:00:00Z', 1)).toEqual([
      '2026-06-01T07:00:00.000Z',
    ]);
    expect(runs(at('2026-06-01T09:00:00'), '2026-01-01T00:00:00Z', 1, 'Europe/Paris')).toEqual([
      '2026-06-01T07:00:00.000Z',
    ]);
    expect(runs(at('2026-06-01 09:00'), '2026-01-01T00:00:00Z', 1, 'UTC')).toEqual([
      '2026-06-01T09:00:00.000Z',
    ]);
  });

  it('have no run after their date, and stand alone (no base)', () => {
    const s = compileSchedule(at('2026-06-01T09:00:00Z'), 'UTC');
    expect(s.anchored).toBe(false);
    expect(s.nextAfter(ms('2026-06-01T09:00:00Z'))).toBeUndefined();
    expect(iso(s.latestIn(-Infinity, ms('2027-01-01T00:00:00Z')))).toBe('2026-06-01T09:00:00.000Z');
  });
});

describe('bad schedules say what is wrong', () => {
  const problem = (schedule: Schedule, tz = 'UTC') => {
    try {
      compileSchedule(schedule, tz);
    } catch (error) {
      expect(error).toBeInstanceOf(ScheduleProblem);
      return (error as ScheduleProblem).message;
    }
    throw new Error('compiled');
  };

  it('0, negative or non-finite seconds', () => {
    expect(problem(every(0))).toBe('an interval must be more than 0 seconds, got 0');
    expect(problem(every(-5))).toBe('an interval must be more than 0 seconds, got -5');
    expect(problem(every(Number.NaN))).toBe('an interval must be more than 0 seconds, got NaN');
  });

  it('invalid cron strings and crontab fields', () => {
    expect(problem(cron('61 * * * *'))).toBe(
      'invalid cron expression "61 * * * *": Invalid value for minute: 61',
    );
    expect(problem(cron('every day'))).toMatch(/^invalid cron expression "every day": /);
    expect(problem(crontab({ hour: 25 }))).toMatch(/^invalid cron expression "\* 25 \* \* \*": /);
    expect(problem(crontab({ dayOfMonth: 31, monthOfYear: 2 }))).toBe(
      'crontab "* * 31 2 *" never matches a date',
    );
  });

  it('unknown timezones, of the beat or of the schedule', () => {
    expect(problem(crontab(), 'Mars/Olympus_Mons')).toBe(
      'unknown timezone "Mars/Olympus_Mons" (expected an IANA name such as "Europe/Paris")',
    );
    expect(problem(cron('0 3 * * *', { timezone: 'Europe/Pariss' }))).toMatch(
      /unknown timezone "Europe\/Pariss"/,
    );
    expect(problem(at('2026-06-01T09:00:00', { timezone: '' }))).toMatch(/unknown timezone ""/);
  });

  it('invalid dates', () => {
    expect(problem(at('tomorrow'))).toBe(
      'invalid date "tomorrow" (expected ISO 8601, e.g. "2026-12-01T09:00:00Z")',
    );
    expect(problem(at(new Date('nope')))).toMatch(/^invalid date "Invalid Date"/);
    expect(problem(at('2026-13-01T09:00:00'))).toMatch(/^invalid date/);
  });
});
