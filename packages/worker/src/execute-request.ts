/**
 * Running one request on an executor: accept (early ack), last revoke/expiry check,
 * STARTED, then the handler under its time limits and terminate (`handler-run.ts`), which
 * also classifies how it ended. What happens next is `finish-request.ts`.
 */
import type { Reject, Replace, Retry } from './errors.js';
import { abandonRun, HandlerRun } from './handler-run.js';
import type { RegisteredTask } from './task-registry.js';
import { RequestPhase, type TaskRequest } from './task-request.js';
import { TaskEventType, type WorkerRuntime } from './runtime.js';

/** How an execution ended. */
export type ExecutionOutcome =
  | { kind: 'success'; value: unknown }
  | { kind: 'failure'; error: unknown }
  | { kind: 'retry'; retry: Retry }
  | { kind: 'revoked'; reason: 'revoked' | 'expired' | 'terminated' }
  | { kind: 'time-limit'; seconds: number }
  | { kind: 'rejected'; reject: Reject }
  /** `ctx.replace(signature)`: the signature takes over (Celery's `Task.replace`). */
  | { kind: 'replaced'; replace: Replace }
  /** The executor went away mid-task: `shutdown` when the worker itself is stopping. */
  | { kind: 'lost'; reason: string; shutdown: boolean };

/** An outcome plus whether the handler was left running (its executor must be replaced). */
export interface ExecutionResult {
  outcome: ExecutionOutcome;
  abandoned: boolean;
}

/** Why a running execution is being cut short from outside. */
export type AbandonReason =
  | { kind: 'terminated' }
  | { kind: 'time-limit'; seconds: number }
  | { kind: 'lost'; reason: string; shutdown: boolean };

/** Cut a running request short (revoke+terminate, cold shutdown); false if not running. */
export function abandonRequest(request: TaskRequest, reason: AbandonReason): boolean {
  return abandonRun(request, reason);
}

/** Execute `request` with `task`'s handler. Never throws. */
export function executeRequest(
  rt: WorkerRuntime,
  task: RegisteredTask,
  request: TaskRequest,
): Promise<ExecutionResult> {
  const options = task.options;
  const now = rt.clock.now();
  request.phase = RequestPhase.active;
  request.timeStart = now;
  if (!options.acksLate) {
    request.ack.ack().catch((error: unknown) => logAckError(rt, request, error));
  }
  if (rt.revoked.has(request.id)) {
    return Promise.resolve({ outcome: { kind: 'revoked', reason: 'revoked' }, abandoned: false });
  }
  if (request.expires !== null && request.expires <= now) {
    return Promise.resolve({ outcome: { kind: 'revoked', reason: 'expired' }, abandoned: false });
  }
  // Active from here until the run settles (`HandlerRun` takes it out).
  rt.active.set(request.id, request);
  if (rt.events.enabled !== false) rt.events.send(TaskEventType.started, { uuid: request.id });
  if (options.trackStarted && !options.ignoreResult && !request.ignoreResult) {
    return startedThenRun(rt, task, request);
  }
  const run = new HandlerRun(rt, task, request);
  run.start();
  return run.promise;
}

async function startedThenRun(
  rt: WorkerRuntime,
  task: RegisteredTask,
  request: TaskRequest,
): Promise<ExecutionResult> {
  try {
    await rt.results.started(request, rt.pid);
  } catch (error) {
    rt.active.delete(request.id);
    throw error;
  }
  const run = new HandlerRun(rt, task, request);
  run.start();
  return run.promise;
}

/** Log a failed ack or reject. */
export function logAckError(rt: WorkerRuntime, request: TaskRequest, error: unknown): void {
  rt.logger.error('Could not settle the message', {
    task: request.name,
    id: request.id,
    queue: request.delivery.queue,
    error: error instanceof Error ? error.message : String(error),
  });
}
