/**
 * Run-time entries as the coordination store keeps them: a versioned JSON definition, so
 * a replica of another version reads what it understands and reports what it does not.
 */
import type { JsonValue, StoredEntry, StoredEntryDefinition } from '@celeriac/protocol';
import type { BeatEntry, BeatSendOptions, CatchUp } from './entry.js';
import type { Schedule } from './schedule.js';

/** The version of the stored definition this beat writes. */
const VERSION = 1;

/** A run-time entry read back from the store. */
export interface DecodedEntry {
  readonly entry: BeatEntry;
  /** When it was put, ms since the Unix epoch: its runs are counted from then. */
  readonly since: number;
}

/** The definition stored for an entry put at `since`: JSON (dates as ISO strings). */
export function encodeStoredEntry(
  entry: BeatEntry,
  schedule: Schedule,
  since: number,
): StoredEntryDefinition {
  const definition = {
    v: VERSION,
    task: entry.task,
    schedule,
    args: entry.args ?? [],
    kwargs: entry.kwargs ?? {},
    options: entry.options ?? {},
    ...(entry.catchUp === undefined ? {} : { catchUp: entry.catchUp }),
    since,
  };
  // What a JSON store would give back: Dates become ISO strings, undefined fields vanish.
  return JSON.parse(JSON.stringify(definition)) as { [key: string]: JsonValue };
}

/** The entry of a stored definition, or a reason it cannot be read. */
export function decodeStoredEntry(stored: StoredEntry): DecodedEntry | string {
  const d = stored.definition;
  if (d['v'] !== VERSION) {
    return `stored by another beat version (definition version ${JSON.stringify(d['v'] ?? null)}, this beat reads ${VERSION})`;
  }
  if (typeof d['since'] !== 'number') return 'stored definition has no `since` time';
  return {
    entry: {
      task: d['task'] as string,
      schedule: d['schedule'] as unknown as Schedule,
      args: d['args'] as unknown[],
      kwargs: d['kwargs'] as Record<string, unknown>,
      options: d['options'] as BeatSendOptions,
      ...(d['catchUp'] === undefined ? {} : { catchUp: d['catchUp'] as CatchUp }),
    },
    since: d['since'],
  };
}
