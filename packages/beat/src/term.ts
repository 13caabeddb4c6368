/**
 * One term of leadership: the lease and how long it is valid here, the last run of every
 * entry, and the one way a run is sent — claimed in the store first (fenced by the term's
 * epoch), then published. A claimed run whose publish failed for a reason that may pass
 * is published again by this term while it lasts; if the term ends first it is lost, and
 * logged (beat sends a run at most once, never twice).
 */
import { ClaimOutcome } from '@celeriac/protocol';
import type { LeaderLease } from '@celeriac/protocol';
import type { BeatCore } from './beat-core.js';
import { dueRun } from './due.js';
import type { CompiledEntry } from './entry.js';
import { BeatSendError } from './errors.js';
import { runSendOptions, runTaskId } from './run-message.js';
import { withRunSpan } from './telemetry.js';

/** A claimed run not yet published. */
interface Unsent {
  readonly entry: CompiledEntry;
  readonly runAt: number;
  retryAt: number;
}

/** What happened to one due run. */
type RunOutcome =
  'sent' | 'unsent' | 'failed' | 'already-run' | 'changed' | 'fenced' | 'unreachable';

/** The leader's side of one term. */
export class Term {
  readonly lease: LeaderLease;
  /** When the term was asked for: runs due before it were missed (see `catchUp`). */
  readonly start: number;
  /** Until when this replica may act as leader without another successful renewal. */
  validUntil: number;
  /** When to renew next. */
  renewAt: number;
  /** Whether the runs and entries were read from the store for this term. */
  loaded = false;
  readonly #core: BeatCore;
  readonly #lastRun = new Map<string, number>();
  readonly #unsent: Unsent[] = [];

  constructor(core: BeatCore, lease: LeaderLease, grantedAt: number) {
    this.#core = core;
    this.lease = lease;
    this.start = grantedAt;
    this.validUntil = grantedAt + core.timing.leaseMs;
    this.renewAt = grantedAt + core.timing.renewEveryMs;
  }

  /** Read the runs and entries for this term; false when the store did not answer. */
  async load(): Promise<boolean> {
    try {
      const runs = await this.#core.coordination.runs();
      for (const run of runs) this.#lastRun.set(run.entry, run.lastRunAt);
      await this.refreshEntries(true);
      this.loaded = true;
      return true;
    } catch (error) {
      this.#core.unreachable(error);
      return false;
    }
  }

  /**
   * Read the run-time entries; when they changed (or `all`), check every entry's queue,
   * else only those held for a missing queue. Throws when the store does not answer.
   */
  async refreshEntries(all: boolean): Promise<void> {
    const { coordination, table } = this.#core;
    this.#core.entriesChanged = false;
    const changed = table.applyStored(await coordination.entries()) || all;
    if (coordination.queueExists !== undefined) {
      const exists = coordination.queueExists.bind(coordination);
      await table.checkQueues(exists, changed);
    }
    table.logProblems();
  }

  /** Renew the lease (and re-read entries): `kept`, `lost`, or `unreachable` (retry soon). */
  async renew(): Promise<'kept' | 'lost' | 'unreachable'> {
    const core = this.#core;
    const askedAt = core.clock.now();
    try {
      if (!(await core.coordination.renewLeadership(this.lease, core.timing.leaseMs)))
        return 'lost';
      this.validUntil = askedAt + core.timing.leaseMs;
      this.renewAt = askedAt + core.timing.renewEveryMs;
      await this.refreshEntries(false);
      core.reachable();
      return 'kept';
    } catch (error) {
      core.unreachable(error);
      this.renewAt = Math.min(askedAt + core.timing.retryEveryMs, this.validUntil);
      return 'unreachable';
    }
  }

  /**
   * Send every run due at `now`, one entry at a time. Returns `fenced` when the term is
   * over, else when to look again.
   */
  async runDue(now: number, signal: AbortSignal): Promise<'fenced' | number> {
    const core = this.#core;
    let wakeAt = Infinity;
    for (const unsent of [...this.#unsent]) {
      if (unsent.retryAt > now) continue;
      this.#unsent.splice(this.#unsent.indexOf(unsent), 1);
      await this.#publish(unsent.entry, unsent.runAt, signal);
    }
    for (const entry of core.table.runnable()) {
      for (;;) {
        const due = dueRun(entry, this.#lastRun.get(entry.name), now, this.start);
        if (due.kind === 'done') break;
        if (due.kind === 'wait') {
          wakeAt = Math.min(wakeAt, due.until);
          break;
        }
        const outcome = await this.#run(entry, due.runAt, signal);
        if (outcome === 'fenced') return 'fenced';
        if (outcome === 'unreachable') return now + core.timing.retryEveryMs;
        if (outcome === 'changed') return now;
      }
    }
    for (const unsent of this.#unsent) wakeAt = Math.min(wakeAt, unsent.retryAt);
    return wakeAt;
  }

  /** Claim, then publish, one run. */
  #run(entry: CompiledEntry, runAt: number, signal: AbortSignal): Promise<RunOutcome> {
    const core = this.#core;
    const info = {
      namespace: core.namespace,
      entry: entry.name,
      task: entry.task,
      taskId: runTaskId(core.namespace, entry.name, runAt),
      runAt,
      epoch: this.lease.epoch,
      holder: this.lease.holder,
    };
    return withRunSpan(core.tracer, info, async (span) => {
      let claim;
      try {
        claim = await core.coordination.claimRun(this.lease, {
          entry: entry.name,
          runAt,
          ...(entry.revision === undefined ? {} : { revision: entry.revision }),
        });
      } catch (error) {
        span.setAttribute('celeriac.beat.claim', 'unreachable');
        core.unreachable(error);
        return 'unreachable';
      }
      core.reachable();
      span.setAttribute('celeriac.beat.claim', claim.outcome);
      switch (claim.outcome) {
        case ClaimOutcome.claimed:
          this.#lastRun.set(entry.name, runAt);
          return this.#publish(entry, runAt, signal);
        case ClaimOutcome.alreadyRun:
          this.#lastRun.set(entry.name, claim.run.lastRunAt);
          return 'already-run';
        case ClaimOutcome.entryChanged:
          core.entriesChanged = true;
          return 'changed';
        case ClaimOutcome.fenced:
          return 'fenced';
      }
    });
  }

  /** Publish a claimed run; keeps it for another try when the failure may pass. */
  async #publish(entry: CompiledEntry, runAt: number, signal: AbortSignal): Promise<RunOutcome> {
    const core = this.#core;
    core.logger.info(`Scheduler: Sending due task ${entry.name} (${entry.task})`, {
      scheduledAt: new Date(runAt).toISOString(),
      epoch: this.lease.epoch,
    });
    try {
      const options = runSendOptions(core.namespace, entry, runAt, signal);
      await core.client.sendTask(entry.task, entry.args, { ...entry.kwargs }, options);
      return 'sent';
    } catch (cause) {
      if (signal.aborted) throw cause;
      const error = new BeatSendError(entry.name, runAt, cause);
      if (error.retryable) {
        const retryAt = core.clock.now() + core.timing.retryEveryMs;
        this.#unsent.push({ entry, runAt, retryAt });
        core.logger.warn(`${error.message}; trying again while this replica leads`);
        return 'unsent';
      }
      core.logger.error(error.message, { entry: entry.name, code: error.code });
      return 'failed';
    }
  }

  /** Log the claimed runs this term never published (it ended first). */
  abandon(): void {
    for (const { entry, runAt } of this.#unsent.splice(0)) {
      this.#core.logger.error(
        `beat entry ${JSON.stringify(entry.name)}: the run of ${new Date(runAt).toISOString()} was claimed but not sent before leadership ended; it is lost`,
        { entry: entry.name, epoch: this.lease.epoch },
      );
    }
  }
}
