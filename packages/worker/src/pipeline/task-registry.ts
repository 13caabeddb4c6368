/**
 * The worker's task registry: name → implementation, with each task's options resolved
 * over the app defaults, and the runtime overrides remote control may set
 * (`rate_limit`, `time_limit`).
 */
import { DuplicateTaskError } from '../errors.js';
import type { TaskImplementation } from '../implement-task.js';
import { parseRateLimit } from './rate-limit.js';
import { resolveTaskOptions, type ResolvedTaskOptions, type TaskOptions } from '../task-options.js';

/** A registered task: the implementation and its effective options. */
export interface RegisteredTask {
  readonly implementation: TaskImplementation;
  /** Effective options; `rate_limit`/`time_limit` control commands change them. */
  options: ResolvedTaskOptions;
}

/** Name → task, built once per worker. */
export class TaskRegistry {
  readonly #tasks = new Map<string, RegisteredTask>();

  constructor(tasks: Iterable<TaskImplementation>, defaults: TaskOptions = {}) {
    for (const implementation of tasks) {
      if (this.#tasks.has(implementation.name)) throw new DuplicateTaskError(implementation.name);
      this.#tasks.set(implementation.name, {
        implementation,
        options: resolveTaskOptions(implementation.options, defaults),
      });
    }
  }

  /** The task registered as `name`, if any. */
  get(name: string): RegisteredTask | undefined {
    return this.#tasks.get(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.#tasks.keys()].sort();
  }

  /** Change a task's rate limit at runtime; false when the task is unknown. */
  setRateLimit(name: string, limit: string | number | null): boolean {
    const task = this.#tasks.get(name);
    if (!task) return false;
    task.options = { ...task.options, rateLimit: limit, rateLimitPerMs: parseRateLimit(limit) };
    return true;
  }

  /** Change a task's time limits (seconds) at runtime; false when the task is unknown. */
  setTimeLimits(name: string, hard: number | null, soft: number | null): boolean {
    const task = this.#tasks.get(name);
    if (!task) return false;
    // 0 means no limit, as in Celery.
    task.options = { ...task.options, timeLimit: hard || null, softTimeLimit: soft || null };
    return true;
  }
}
