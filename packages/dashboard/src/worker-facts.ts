/**
 * What events do not tell about workers, asked through the control client every few
 * seconds as Flower does: each worker's pool (`inspect stats`: implementation,
 * concurrency, unit ids, prefetch) and the tasks it runs now (`inspect active`, which
 * also says which unit runs each one). Tasks seen running keep their unit here (bounded)
 * so a task's page can say where it ran after it finished. Python and celeriac workers
 * answer the same shapes.
 */
import { isErrorReply, type Control, type TaskRequestInfo } from '@celeriac/client';
import type { PoolInfo, RunningTask } from './api-types.js';
import type { DashboardLogger } from './dashboard-options.js';

/** Units remembered per task id, the oldest forgotten first. */
const UNITS_KEPT = 10_000;

/**
 * Python's pools do not name themselves in `stats`; their fields tell them apart
 * (`threads` only in the threads pool, `writes` only in prefork, solo's one process).
 */
function implementationOf(pool: Record<string, unknown>): string | null {
  if (typeof pool['implementation'] === 'string') return pool['implementation'];
  if ('threads' in pool) return 'threads';
  if ('writes' in pool) return 'prefork';
  if (pool['max-concurrency'] === 1 && pool['max-tasks-per-child'] === null) return 'solo';
  return null;
}

function poolOf(stats: unknown): PoolInfo | null {
  if (typeof stats !== 'object' || stats === null) return null;
  const s = stats as { pool?: Record<string, unknown>; prefetch_count?: unknown };
  const pool = s.pool ?? {};
  const max = pool['max-concurrency'];
  const processes = Array.isArray(pool['processes'])
    ? pool['processes'].filter((p): p is number => typeof p === 'number')
    : [];
  return {
    implementation: implementationOf(pool),
    maxConcurrency: typeof max === 'number' ? max : null,
    processes,
    prefetchCount: typeof s.prefetch_count === 'number' ? s.prefetch_count : null,
  };
}

function runningOf(request: TaskRequestInfo): RunningTask {
  return {
    id: request.id,
    name: request.name,
    workerPid: typeof request.worker_pid === 'number' ? request.worker_pid : null,
    timeStart: typeof request.time_start === 'number' ? request.time_start : null,
  };
}

/** Pools and running tasks by worker, kept current by {@link WorkerFacts.refresh}. */
export class WorkerFacts {
  readonly #pools = new Map<string, PoolInfo>();
  readonly #running = new Map<string, readonly RunningTask[]>();
  readonly #units = new Map<string, { worker: string; pid: number }>();
  #refreshing: Promise<boolean> | undefined;

  constructor(
    private readonly control: Control,
    private readonly logger: DashboardLogger,
    private readonly timeoutMs = 1000,
  ) {}

  pool(hostname: string): PoolInfo | null {
    return this.#pools.get(hostname) ?? null;
  }

  running(hostname: string): readonly RunningTask[] {
    return this.#running.get(hostname) ?? [];
  }

  /** The unit a task was seen running in, if it was. */
  unit(taskId: string): { worker: string; pid: number } | undefined {
    return this.#units.get(taskId);
  }

  /**
   * Ask every worker (or `hostname`) now; resolves with whether anything changed. One
   * round at a time: a call during a round shares it. Failures are logged, not thrown.
   */
  refresh(hostname?: string): Promise<boolean> {
    this.#refreshing ??= this.#refresh(hostname).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(hostname: string | undefined): Promise<boolean> {
    const inspect = this.control.inspect({
      timeoutMs: this.timeoutMs,
      ...(hostname === undefined ? {} : { destination: [hostname] }),
    });
    let changed = false;
    try {
      const [stats, active] = await Promise.all([inspect.stats(), inspect.active()]);
      for (const [node, reply] of Object.entries(stats)) {
        if (isErrorReply(reply)) continue;
        const pool = poolOf(reply);
        if (pool && JSON.stringify(pool) !== JSON.stringify(this.#pools.get(node))) {
          this.#pools.set(node, pool);
          changed = true;
        }
      }
      for (const [node, reply] of Object.entries(active)) {
        if (isErrorReply(reply) || !Array.isArray(reply)) continue;
        const running = reply.map(runningOf);
        const before = this.#running.get(node) ?? [];
        if (running.length > 0 || before.length > 0) changed = true;
        this.#running.set(node, running);
        for (const task of running) if (task.workerPid !== null) this.#remember(task, node);
      }
    } catch (error) {
      this.logger.warn('Could not ask the workers for their pools and running tasks', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return changed;
  }

  #remember(task: RunningTask, worker: string): void {
    this.#units.delete(task.id);
    this.#units.set(task.id, { worker, pid: task.workerPid! });
    if (this.#units.size > UNITS_KEPT) this.#units.delete(this.#units.keys().next().value!);
  }
}
