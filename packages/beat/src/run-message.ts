/**
 * What beat sends for one run: a plain Celery task message (any worker, Python or
 * TypeScript, runs it) through `@celeriac/client`, with the entry's options, a task id
 * derived from the entry and the run, and two headers that say which run it is.
 *
 * Why a derived id rather than a random one: a run is one task, whoever sends it. If a
 * send whose confirmation was lost is sent again, both messages carry the same id, so the
 * result backend holds one result, `revoke(id)` covers both and a consumer can tell the
 * duplicate; and anyone can compute the id of "the 07:30 run of `daily-report`" to read
 * its result. Different namespaces, entries or runs never share an id (uuid3 of all three).
 */
import { uuid3 } from '@celeriac/protocol';
import type { SendTaskOptions } from '@celeriac/client';
import type { CompiledEntry } from './entry.js';

/** Header naming the entry (the name Celery 5.3's beat uses too). */
export const ENTRY_HEADER = 'periodic_task_name';
/** Header carrying the run's scheduled time, ISO 8601 in UTC (`…+00:00`, read by Python). */
export const SCHEDULED_AT_HEADER = 'periodic_task_scheduled_at';

/** The uuid3 namespace of beat task ids. */
const BEAT_ID_NAMESPACE = '3d1f6a3e-5c0b-4f0e-9a57-6f2b8c1e4d90';

/** The task id of the run of `entry` scheduled at `runAt`, in the beat `namespace`. */
export function runTaskId(namespace: string, entry: string, runAt: number): string {
  return uuid3(BEAT_ID_NAMESPACE, `${namespace}\u0000${entry}\u0000${runAt}`);
}

/** A scheduled time as the header carries it: `2026-03-08T07:00:00.000+00:00`. */
export function scheduledAtHeader(runAt: number): string {
  return new Date(runAt).toISOString().replace('Z', '+00:00');
}

/** Reads a {@link SCHEDULED_AT_HEADER} value back into ms since the Unix epoch. */
export function parseScheduledAt(value: string): number {
  return Date.parse(value);
}

/** The send options of one run: the entry's, plus the id and the run's headers. */
export function runSendOptions(
  namespace: string,
  entry: CompiledEntry,
  runAt: number,
  signal: AbortSignal,
): SendTaskOptions {
  return {
    ...entry.options,
    taskId: runTaskId(namespace, entry.name, runAt),
    headers: {
      ...entry.options.headers,
      [ENTRY_HEADER]: entry.name,
      [SCHEDULED_AT_HEADER]: scheduledAtHeader(runAt),
    },
    signal,
  };
}
