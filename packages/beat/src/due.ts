/**
 * When an entry runs next, decided from its schedule, its last recorded run and the
 * leader's term — a pure function, so every rule here is tested on plain numbers.
 *
 * Runs are counted from a base: the last run, or the time a run-time entry was put (a
 * changed entry starts afresh), or — for an entry never run — the start of the current
 * term, so a new entry first runs at its next time after the beat started, as in Celery.
 * A one-off date has no base: it runs whenever it has not run.
 *
 * When several runs fell due since the base, they are one late run: the latest of them is
 * sent (its scheduled time is what the message carries). Under `catchUp: 'skip'`, runs
 * that fell due before the current term began — while no beat was up — are not sent.
 */
import { CatchUp } from './entry.js';
import type { CompiledEntry } from './entry.js';

/** What to do about an entry now. */
export type Due =
  /** Send the run scheduled at `runAt` (claim it first). */
  | { readonly kind: 'send'; readonly runAt: number }
  /** Nothing until `until`. */
  | { readonly kind: 'wait'; readonly until: number }
  /** The schedule has no more runs (a one-off that ran or was skipped). */
  | { readonly kind: 'done' };

/** The base runs are counted from; see the module comment. */
export function baseOf(
  entry: Pick<CompiledEntry, 'since'>,
  lastRunAt: number | undefined,
  termStart: number,
): number {
  if (lastRunAt === undefined) return entry.since ?? termStart;
  return entry.since === undefined ? lastRunAt : Math.max(lastRunAt, entry.since);
}

/**
 * Decide for one entry at `now`.
 *
 * @param lastRunAt - scheduled time of the entry's last recorded run, if any
 * @param termStart - when the current leader's term began
 */
export function dueRun(
  entry: Pick<CompiledEntry, 'since' | 'schedule' | 'catchUp'>,
  lastRunAt: number | undefined,
  now: number,
  termStart: number,
): Due {
  const { schedule } = entry;
  const base = schedule.anchored ? baseOf(entry, lastRunAt, termStart) : (lastRunAt ?? -Infinity);
  const next = schedule.nextAfter(base);
  if (next === undefined) return { kind: 'done' };
  if (next > now) return { kind: 'wait', until: next };
  const latest = schedule.latestIn(base, now) ?? next;
  if (entry.catchUp === CatchUp.once || latest >= termStart) return { kind: 'send', runAt: latest };
  // Every run due so far fell before this term: missed while no beat was up, skipped.
  // The next one is counted from the latest missed, so an interval keeps its grid.
  const following = schedule.nextAfter(latest);
  return following === undefined ? { kind: 'done' } : { kind: 'wait', until: following };
}
