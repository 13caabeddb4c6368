/**
 * Listing tasks for a view: filtered by state, name, worker or a search string, most
 * recently first seen first, paged. Linear over the kept tasks (at most `maxTasks`).
 */
import type { TaskInfo } from './task-record.js';

/** Which tasks to list. */
export interface TaskFilter {
  /** One state or several (`SUCCESS`, `FAILURE`, …). */
  state?: string | readonly string[];
  /** Exact task name. */
  name?: string;
  /** Node name of the worker. */
  worker?: string;
  /** Case-insensitive text found in the id, name, args or kwargs. */
  search?: string;
  /** Tasks first seen at or after this time (unix seconds, by any event timestamp). */
  since?: number;
  /** Most tasks returned; default 100. */
  limit?: number;
  /** Tasks skipped first (paging); default 0. */
  offset?: number;
}

function matches(task: TaskInfo, filter: TaskFilter, states: ReadonlySet<string> | null): boolean {
  if (states && !states.has(task.state)) return false;
  if (filter.name !== undefined && task.name !== filter.name) return false;
  if (filter.worker !== undefined && task.worker !== filter.worker) return false;
  if (filter.since !== undefined) {
    const first = task.history[0]?.timestamp ?? task.timestamp;
    if (first === null || first === undefined || first < filter.since) return false;
  }
  if (filter.search !== undefined && filter.search !== '') {
    const needle = filter.search.toLowerCase();
    const hay = [task.id, task.name, task.args, task.kwargs];
    if (!hay.some((text) => text?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** The tasks of `tasks` (in first-seen order) that pass `filter`, newest first. */
export function queryTasks(tasks: ReadonlyMap<string, TaskInfo>, filter: TaskFilter): TaskInfo[] {
  const limit = filter.limit ?? 100;
  let skip = filter.offset ?? 0;
  const states =
    filter.state === undefined
      ? null
      : new Set(typeof filter.state === 'string' ? [filter.state] : filter.state);
  const out: TaskInfo[] = [];
  const all = [...tasks.values()];
  for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
    const task = all[i]!;
    if (!matches(task, filter, states)) continue;
    if (skip > 0) skip -= 1;
    else out.push(task);
  }
  return out;
}
