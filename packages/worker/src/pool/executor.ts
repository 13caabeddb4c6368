/**
 * The executor actor: the unit of concurrency as the actor tree sees it. It owns its
 * unit (`unit.ts`) as a resource, so stopping or restarting the executor ends the unit
 * and starting it gives a fresh one. It declares one actor task per registered task name,
 * so its activity reads `idle → <task>.running → idle` (dots replaced: `proj.add` →
 * `proj:add`) and the pool finds idle executors by their state. A run receives an
 * {@link Execution} and returns its {@link ExecutionOutcome}; when the unit died on its
 * own mid-task the run throws {@link UnitLostError} (carrying the outcome), the executor
 * crashes, and its supervisor replaces it.
 */
import { defineActor, type ActorDefinition, type ActorRef, type TaskSpec } from '@celeriac/actors';
import { context } from '@opentelemetry/api';
import type { WorkerClock } from '../clock.js';
import type { LimitedSet } from '../pipeline/limited-set.js';
import type { TaskRequest } from '../pipeline/request.js';
import { effectiveTimeLimits, type TimeLimits } from '../task-options.js';
import type { ExecutionOutcome } from './outcome.js';
import { UnitLostError, type Execution, type Unit } from './unit.js';

/** An executor's resources: its unit. */
export interface ExecutorResources extends Record<string, unknown> {
  readonly unit: Unit;
}

/** What executors need from the worker. */
export interface ExecutorDeps {
  /** Every registered task name (one actor task each). */
  readonly taskNames: readonly string[];
  readonly clock: WorkerClock;
  /** Revoked ids: a request revoked while reserved is not run. */
  readonly revoked: LimitedSet;
  /** Store STARTED `{pid, hostname}` (`trackStarted`), before the handler runs. */
  readonly storeStarted: (request: TaskRequest, pid: number) => Promise<void>;
  /** Start a unit (its acquire); `signal` aborts a slow start when the executor stops. */
  readonly createUnit: (signal: AbortSignal) => Unit | Promise<Unit>;
  /**
   * How often to look whether an idle unit died on its own (a thread or process can);
   * it then crashes its executor, whose supervisor replaces it. None for async slots.
   */
  readonly lostCheckMs?: number;
}

const taskKeys = new Map<string, string>();

/** The executor's activity state for a task name (actor task names cannot hold dots). */
export function executorTaskKey(name: string): string {
  let key = taskKeys.get(name);
  if (key === undefined) {
    key = name === 'idle' ? 'task:idle' : name.replace(/\./g, ':');
    if (taskKeys.size < 10_000) taskKeys.set(name, key);
  }
  return key;
}

const REVOKED: ExecutionOutcome = { kind: 'revoked', reason: 'revoked' };
const EXPIRED: ExecutionOutcome = { kind: 'revoked', reason: 'expired' };

/** The executor definition of a pool: one actor task per registered task. */
export function defineExecutor(deps: ExecutorDeps): ActorDefinition<ExecutorResources, string> {
  const run: TaskSpec<ExecutorResources, string>['run'] = ({ input, actor, resources }) =>
    execute(deps, input as Execution, resources.unit, actor.path);
  const tasks: Record<string, TaskSpec<ExecutorResources, string>> = {};
  for (const name of deps.taskNames) tasks[executorTaskKey(name)] = { run };
  const lostCheckMs = deps.lostCheckMs;
  return defineActor<ExecutorResources, string>({
    name: 'executor',
    resources: {
      unit: {
        acquire: ({ signal }) => deps.createUnit(signal),
        release: (unit) => unit.close(),
      },
    },
    tasks,
    ...(lostCheckMs === undefined
      ? {}
      : {
          healthCheck: {
            intervalMs: lostCheckMs,
            check: ({ resources }) => {
              const unit = resources.unit;
              // A unit lost mid-task is its run's to report.
              if (unit.lost !== undefined && !unit.busy) {
                throw new UnitLostError('an idle executor', unit.lost, NOT_RUN);
              }
              return 'healthy';
            },
          },
        }),
  });
}

const NOT_RUN: ExecutionOutcome = { kind: 'lost', reason: 'idle', shutdown: false };

/** Run `execution` on `executor` (idle, checked by the caller). */
export function runOn(executor: ActorRef, execution: Execution): Promise<ExecutionOutcome> {
  return executor.run(
    executorTaskKey(execution.request.name),
    execution,
  ) as Promise<ExecutionOutcome>;
}

/** The unit an executor owns now. */
export function unitOf(executor: ActorRef): Unit {
  return (executor.resources as ExecutorResources).unit;
}

function execute(
  deps: ExecutorDeps,
  execution: Execution,
  unit: Unit,
  path: string,
): ExecutionOutcome | Promise<ExecutionOutcome> {
  const request = execution.request;
  // Revoked or expired while it waited for this executor: not run.
  if (deps.revoked.has(request.id)) return REVOKED;
  if (request.expires !== null && request.expires <= deps.clock.now()) return EXPIRED;
  const options = execution.task.options;
  const limits = effectiveTimeLimits(request.timeLimit, options);
  if (options.trackStarted && !options.ignoreResult && !request.ignoreResult) {
    return startedThenRun(deps, execution, unit, limits, path);
  }
  return runInContext(execution, unit, limits, path);
}

async function startedThenRun(
  deps: ExecutorDeps,
  execution: Execution,
  unit: Unit,
  limits: TimeLimits,
  path: string,
): Promise<ExecutionOutcome> {
  await deps.storeStarted(execution.request, unit.pid);
  return runInContext(execution, unit, limits, path);
}

function runInContext(
  execution: Execution,
  unit: Unit,
  limits: TimeLimits,
  path: string,
): Promise<ExecutionOutcome> {
  // Already in the request's context (always so without an OTel SDK): no `with` needed.
  if (execution.context === context.active()) return runOnUnit(execution, unit, limits, path);
  return context.with(execution.context, runOnUnit, undefined, execution, unit, limits, path);
}

function runOnUnit(
  execution: Execution,
  unit: Unit,
  limits: TimeLimits,
  path: string,
): Promise<ExecutionOutcome> {
  // The async pool's unit never dies on its own: no extra step per task.
  if (unit.kind === 'async') return unit.execute(execution, limits);
  return unit.execute(execution, limits).then((outcome) => {
    if (unit.lost !== undefined) throw new UnitLostError(path, unit.lost, outcome);
    return outcome;
  });
}
