/**
 * A schedule entry, as Celery's `beat_schedule` holds them (`{ task, schedule, args,
 * kwargs, options }`) plus what happens to runs missed while no beat was up, and its
 * compiled form: validated once, with every problem named after the entry.
 */
import { EncodeError, encodeJson } from '@celeriac/protocol';
import type { SendTaskOptions } from '@celeriac/client';
import { ScheduleProblem, compileSchedule } from './compiled-schedule.js';
import type { CompiledSchedule } from './compiled-schedule.js';
import { BeatEntryError, BeatErrorCode } from './errors.js';
import { toSchedule } from './schedule.js';
import type { ScheduleInput } from './schedule.js';

/** What happens to runs that fell due while no beat was up (per entry). */
export const CatchUp = {
  /**
   * Send one run for all of them, at once (Celery's behaviour: a beat that starts late
   * finds the entry due and sends it once). The default.
   */
  once: 'once',
  /** Send none of them; the entry continues with its next run. */
  skip: 'skip',
} as const;
/** One of the values of {@link CatchUp}. */
export type CatchUp = (typeof CatchUp)[keyof typeof CatchUp];

/**
 * The send options an entry may carry (Celery's entry `options`): where it goes, how it
 * expires, its priority, limits and headers. Beat sets the task id, and adds two headers:
 * `periodic_task_name` and `periodic_task_scheduled_at`.
 */
export type BeatSendOptions = Pick<
  SendTaskOptions,
  | 'queue'
  | 'routingKey'
  | 'exchange'
  | 'exchangeType'
  | 'priority'
  | 'expires'
  | 'countdown'
  | 'headers'
  | 'ignoreResult'
  | 'shadow'
  | 'timeLimit'
  | 'softTimeLimit'
  | 'link'
  | 'linkError'
  | 'compression'
  | 'deliveryMode'
  | 'retry'
  | 'retryPolicy'
>;

const SEND_OPTION_KEYS: ReadonlySet<string> = new Set<keyof BeatSendOptions>([
  'queue',
  'routingKey',
  'exchange',
  'exchangeType',
  'priority',
  'expires',
  'countdown',
  'headers',
  'ignoreResult',
  'shadow',
  'timeLimit',
  'softTimeLimit',
  'link',
  'linkError',
  'compression',
  'deliveryMode',
  'retry',
  'retryPolicy',
]);

/**
 * One entry of a beat schedule.
 *
 * @example
 * ```ts
 * const entry: BeatEntry = {
 *   task: 'shop.reports.daily',
 *   schedule: crontab({ hour: 7, minute: 30 }),
 *   kwargs: { format: 'pdf' },
 *   options: { queue: 'reports', expires: 3600 },
 * };
 * ```
 */
export interface BeatEntry {
  /** The task's name, as the worker registered it (Python or TypeScript). */
  readonly task: string;
  /** When: seconds, `crontab(…)`, a cron string, or a `Date` (once). */
  readonly schedule: ScheduleInput;
  /** Positional arguments (JSON values). */
  readonly args?: readonly unknown[];
  /** Keyword arguments (JSON values). */
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** Send options. */
  readonly options?: BeatSendOptions;
  /** Runs missed while no beat was up; default the beat's `catchUp`, itself default `once`. */
  readonly catchUp?: CatchUp;
}

/** Celery's `beat_schedule`: entries by name. */
export type BeatSchedule = Readonly<Record<string, BeatEntry>>;

/** Where an entry comes from. */
export const EntrySource = {
  /** Declared in code (`createBeat({ schedule })`, Celery's `beat_schedule`). */
  code: 'code',
  /** Added at run time through `beat.add` and stored in the broker. */
  runtime: 'runtime',
} as const;
/** One of the values of {@link EntrySource}. */
export type EntrySource = (typeof EntrySource)[keyof typeof EntrySource];

/** An entry ready to run. */
export interface CompiledEntry {
  readonly name: string;
  readonly source: EntrySource;
  /** The stored entry's revision (run-time entries). */
  readonly revision: number | undefined;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly options: BeatSendOptions;
  readonly catchUp: CatchUp;
  /** When a run-time entry was last put: its runs are counted from then. */
  readonly since: number | undefined;
  readonly schedule: CompiledSchedule;
}

/** What {@link compileEntry} needs besides the entry. */
export interface CompileContext {
  readonly timezone: string;
  readonly catchUp: CatchUp;
  readonly source: EntrySource;
  readonly revision?: number;
  readonly since?: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Validate and compile one entry; throws a {@link BeatEntryError} naming it. */
export function compileEntry(name: string, entry: BeatEntry, ctx: CompileContext): CompiledEntry {
  const fail = (code: BeatErrorCode, reason: string, cause?: unknown): BeatEntryError =>
    new BeatEntryError(code, name, reason, cause === undefined ? undefined : { cause });
  if (typeof name !== 'string' || name === '') {
    throw new BeatEntryError(BeatErrorCode.entry, String(name), 'an entry needs a name');
  }
  if (!isPlainObject(entry)) throw fail(BeatErrorCode.entry, 'an entry must be an object');
  if (typeof entry.task !== 'string' || entry.task.trim() === '') {
    throw fail(BeatErrorCode.entry, '`task` must name a task, e.g. "proj.tasks.cleanup"');
  }
  const args = entry.args ?? [];
  const kwargs = entry.kwargs ?? {};
  if (!Array.isArray(args)) throw fail(BeatErrorCode.entry, '`args` must be an array');
  if (!isPlainObject(kwargs)) throw fail(BeatErrorCode.entry, '`kwargs` must be an object');
  try {
    encodeJson([args, kwargs]);
  } catch (error) {
    if (!(error instanceof EncodeError)) throw error;
    throw fail(BeatErrorCode.entry, `arguments cannot be sent as JSON: ${error.message}`, error);
  }
  const options = entry.options ?? {};
  if (!isPlainObject(options)) throw fail(BeatErrorCode.entry, '`options` must be an object');
  const unknown = Object.keys(options).filter((key) => !SEND_OPTION_KEYS.has(key));
  if (unknown.length > 0) {
    throw fail(
      BeatErrorCode.entry,
      `unknown option ${unknown.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${[...SEND_OPTION_KEYS].join(', ')})`,
    );
  }
  if (options.queue !== undefined && (typeof options.queue !== 'string' || options.queue === '')) {
    throw fail(BeatErrorCode.entry, '`options.queue` must be a queue name');
  }
  const catchUp = entry.catchUp ?? ctx.catchUp;
  if (catchUp !== CatchUp.once && catchUp !== CatchUp.skip) {
    throw fail(BeatErrorCode.entry, `\`catchUp\` must be "once" or "skip", got ${String(catchUp)}`);
  }
  if (entry.schedule === undefined || entry.schedule === null) {
    throw fail(
      BeatErrorCode.schedule,
      'needs a `schedule`: seconds, crontab(), a cron string or a date',
    );
  }
  let schedule: CompiledSchedule;
  try {
    schedule = compileSchedule(toSchedule(entry.schedule), ctx.timezone);
  } catch (error) {
    if (!(error instanceof ScheduleProblem)) throw error;
    const code = error.timezone ? BeatErrorCode.timezone : BeatErrorCode.schedule;
    throw fail(code, error.message);
  }
  return {
    name,
    source: ctx.source,
    revision: ctx.revision,
    task: entry.task,
    args,
    kwargs,
    options,
    catchUp,
    since: ctx.since,
    schedule,
  };
}
