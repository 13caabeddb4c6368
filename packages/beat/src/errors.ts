/**
 * Beat's own errors, each with a stable `code`. Every error about one entry names it in
 * its one-line message (`beat entry "report": …`) and in `entry`, so a log line says what
 * to fix and where.
 */
import { CeleriacError } from '@celeriac/protocol';

/** Stable codes of beat's errors. */
export const BeatErrorCode = {
  /** A schedule that cannot run: bad cron string, 0 or negative seconds, bad date. */
  schedule: 'ERR_BEAT_SCHEDULE',
  /** A timezone that is not an IANA name this runtime knows. */
  timezone: 'ERR_BEAT_TIMEZONE',
  /** An entry names a queue that does not exist on the broker. */
  queue: 'ERR_BEAT_QUEUE',
  /** An entry is malformed otherwise: no task name, arguments JSON cannot carry, … */
  entry: 'ERR_BEAT_ENTRY',
  /** A run-time change names an entry declared in code, which only code changes. */
  conflict: 'ERR_BEAT_CONFLICT',
  /** Sending a claimed run failed. */
  send: 'ERR_BEAT_SEND',
  /** Beat's own options are wrong (lease length, …). */
  config: 'ERR_BEAT_CONFIG',
  /** A call the beat's current state does not allow (add after close, …). */
  state: 'ERR_BEAT_STATE',
} as const;
/** One of the values of {@link BeatErrorCode}. */
export type BeatErrorCode = (typeof BeatErrorCode)[keyof typeof BeatErrorCode];

/** Something is wrong with one entry; the entry is held, every other one runs. */
export class BeatEntryError extends CeleriacError<BeatErrorCode> {
  /** The entry's name. */
  readonly entry: string;
  /** What is wrong, without the entry's name. */
  readonly reason: string;
  constructor(
    code: BeatErrorCode,
    entry: string,
    reason: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(code, `beat entry ${JSON.stringify(entry)}: ${reason}`, options);
    this.entry = entry;
    this.reason = reason;
  }
}

/** A run was claimed but could not be sent; names the entry, the run and the cause. */
export class BeatSendError extends BeatEntryError {
  /** The run's scheduled time, ms since the Unix epoch. */
  readonly runAt: number;
  constructor(entry: string, runAt: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      BeatErrorCode.send,
      entry,
      `the run of ${new Date(runAt).toISOString()} could not be sent: ${why}`,
      {
        cause,
        retryable: cause instanceof CeleriacError ? cause.retryable : false,
      },
    );
    this.runAt = runAt;
  }
}

/** Beat's options are wrong; thrown by `createBeat`, before anything runs. */
export class BeatConfigError extends CeleriacError<BeatErrorCode> {
  constructor(message: string) {
    super(BeatErrorCode.config, `beat: ${message}`);
  }
}

/** A call the beat's state does not allow; the message names the state. */
export class BeatStateError extends CeleriacError<BeatErrorCode> {
  constructor(what: string, state: string) {
    super(BeatErrorCode.state, `beat: cannot ${what} while ${state}`);
  }
}
