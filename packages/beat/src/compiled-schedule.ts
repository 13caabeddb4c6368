/**
 * A schedule turned into run times: the next run after a time, and the latest run in a
 * span, in ms since the Unix epoch. Cron strings and crontabs are computed by croner in
 * the schedule's timezone; its DST rules are the ones Vixie cron users expect:
 * - spring forward: a fixed-time run (`30 2 * * *`) whose wall time does not exist runs
 *   once when the clock has jumped (03:00); runs of wildcard jobs (`*\/30 * * * *`) in the
 *   gap do not exist and are not made up;
 * - fall back: a fixed-time run whose wall time occurs twice runs once, at the first;
 *   wildcard jobs run on both passes (every 30 minutes of real time stays every 30).
 * Intervals are real time and ignore DST; a one-off wall time in a gap moves forward by
 * the gap.
 */
import { Cron } from 'croner';
import type { CronOptions } from 'croner';
import { ScheduleKind } from './schedule.js';
import type { Schedule } from './schedule.js';
import { isKnownTimezone } from './time-zone.js';

/** Run times of one schedule. */
export interface CompiledSchedule {
  /** The schedule it was compiled from. */
  readonly schedule: Schedule;
  /**
   * Whether runs are counted from a base time (intervals, crontabs, cron strings) or stand
   * alone (a one-off date runs whenever it was never run).
   */
  readonly anchored: boolean;
  /** The first run strictly after `after`, or undefined when there is none. */
  nextAfter(after: number): number | undefined;
  /** The latest run in `(after, until]`, or undefined when there is none. */
  latestIn(after: number, until: number): number | undefined;
}

/** Why a schedule cannot run; the entry layer adds the entry's name. */
export class ScheduleProblem extends Error {
  /** Whether the timezone (rather than the schedule) is at fault. */
  readonly timezone: boolean;
  constructor(message: string, timezone = false) {
    super(message);
    this.name = 'ScheduleProblem';
    this.timezone = timezone;
  }
}

function checkTimezone(timezone: string): void {
  if (!isKnownTimezone(timezone)) {
    throw new ScheduleProblem(
      `unknown timezone ${JSON.stringify(timezone)} (expected an IANA name such as "Europe/Paris")`,
      true,
    );
  }
}

function interval(schedule: Schedule & { kind: 'interval' }): CompiledSchedule {
  const { seconds } = schedule;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new ScheduleProblem(`an interval must be more than 0 seconds, got ${String(seconds)}`);
  }
  const ms = seconds * 1000;
  return {
    schedule,
    anchored: true,
    nextAfter: (after) => after + ms,
    latestIn: (after, until) =>
      until < after + ms ? undefined : after + Math.floor((until - after) / ms) * ms,
  };
}

function fromCron(schedule: Schedule, job: Cron, anchored: boolean): CompiledSchedule {
  return {
    schedule,
    anchored,
    nextAfter: (after) => job.nextRun(new Date(after))?.getTime(),
    latestIn: (after, until) => {
      // previousRuns excludes its reference; one ms later includes a run exactly at `until`.
      const latest = job.previousRuns(1, new Date(until + 1))[0]?.getTime();
      return latest !== undefined && latest > after ? latest : undefined;
    },
  };
}

function cronJob(pattern: string, options: CronOptions): Cron {
  try {
    return new Cron(pattern, options);
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).replace(
      /^CronPattern: /,
      '',
    );
    throw new ScheduleProblem(`invalid cron expression ${JSON.stringify(pattern)}: ${why}`);
  }
}

function neverRuns(job: Cron, what: string): void {
  if (job.nextRun(new Date(0)) === null) {
    throw new ScheduleProblem(`${what} never matches a date`);
  }
}

/**
 * Compile a schedule in `timezone` (the schedule's own wins). Throws a
 * {@link ScheduleProblem} that says what is wrong.
 */
export function compileSchedule(schedule: Schedule, timezone: string): CompiledSchedule {
  if (typeof schedule !== 'object' || schedule === null) {
    throw new ScheduleProblem(`unknown schedule ${String(schedule)}`);
  }
  switch (schedule.kind) {
    case ScheduleKind.interval:
      return interval(schedule);
    case ScheduleKind.crontab: {
      const tz = schedule.timezone ?? timezone;
      checkTimezone(tz);
      const { minute, hour, dayOfMonth, monthOfYear, dayOfWeek } = schedule;
      const pattern = `${minute} ${hour} ${dayOfMonth} ${monthOfYear} ${dayOfWeek}`;
      const job = cronJob(pattern, {
        timezone: tz,
        mode: '5-part',
        domAndDow: true,
        fixedTimeRule: 'no-wildcard',
      });
      neverRuns(job, `crontab ${JSON.stringify(pattern)}`);
      return fromCron(schedule, job, true);
    }
    case ScheduleKind.cron: {
      const tz = schedule.timezone ?? timezone;
      checkTimezone(tz);
      if (typeof schedule.expression !== 'string' || schedule.expression === '') {
        throw new ScheduleProblem('a cron expression must be a non-empty string');
      }
      const job = cronJob(schedule.expression, {
        timezone: tz,
        mode: '5-or-6-parts',
        fixedTimeRule: 'no-wildcard',
      });
      neverRuns(job, `cron expression ${JSON.stringify(schedule.expression)}`);
      return fromCron(schedule, job, true);
    }
    case ScheduleKind.once: {
      const tz = schedule.timezone ?? timezone;
      checkTimezone(tz);
      const runAt = instantOf(schedule.at, tz);
      return {
        schedule,
        anchored: false,
        nextAfter: (after) => (runAt > after ? runAt : undefined),
        latestIn: (after, until) => (runAt > after && runAt <= until ? runAt : undefined),
      };
    }
    default:
      throw new ScheduleProblem(
        `unknown schedule ${JSON.stringify(schedule)} (expected seconds, crontab(), a cron string or a date)`,
      );
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** The instant of an ISO date: as written when it has an offset, else a wall time in `tz`. */
function instantOf(iso: string, tz: string): number {
  const bad = (): ScheduleProblem =>
    new ScheduleProblem(
      `invalid date ${JSON.stringify(iso)} (expected ISO 8601, e.g. "2026-12-01T09:00:00Z")`,
    );
  if (typeof iso !== 'string' || !ISO.test(iso)) throw bad();
  if (OFFSET.test(iso)) {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) throw bad();
    return ms;
  }
  try {
    const once = new Cron(iso.replace(' ', 'T'), { timezone: tz }).getOnce();
    if (once === null || Number.isNaN(once.getTime())) throw bad();
    return once.getTime();
  } catch {
    throw bad();
  }
}
