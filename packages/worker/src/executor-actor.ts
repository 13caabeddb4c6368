/**
 * The executor actor: the unit of concurrency. Its definition declares one actor task per
 * registered task name, so its activity reads `idle → <task>.running → idle` (task names
 * have their dots replaced: `proj.add` → `proj:add`). Each run executes one request
 * inside the request's CONSUMER span and finishes it (store, events, acks, follow-ups).
 */
import { defineActor, type ActorDefinition, type ActorRef, type TaskSpec } from '@celeriac/actors';
import { context, type Context, type Span } from '@opentelemetry/api';
import { executeRequest, type ExecutionOutcome, type ExecutionResult } from './execute-request.js';
import { finishRequest } from './finish-request.js';
import type { WorkerRuntime } from './runtime.js';
import type { RegisteredTask } from './task-registry.js';
import type { TaskRequest } from './task-request.js';
import { recordOutcome } from './telemetry.js';

/** Executors hold no resources. */
export type NoResources = Record<never, never>;

/** What an executor's task run receives; `result` is filled in before it returns. */
export interface ExecutionInput {
  request: TaskRequest;
  task: RegisteredTask;
  span: Span;
  /** The trace context the handler runs in (the span's, see `startConsumerSpan`). */
  context: Context;
  result?: ExecutionResult;
  /** Set when the executor crashes on purpose: resolves once it runs again (or stopped). */
  replaced?: Promise<void>;
}

/**
 * Thrown by an executor whose handler was abandoned (hard time limit, terminate, cold
 * shutdown): the executor crashes and the pool supervisor restarts it, so a slot never
 * shares its life with a handler that may still be running.
 */
export class ExecutorAbandonedError extends Error {
  constructor(taskName: string, taskId: string) {
    super(`Executor abandoned ${taskName}[${taskId}]; it is replaced`);
    this.name = 'ExecutorAbandonedError';
  }
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

function errorOf(outcome: ExecutionOutcome): unknown {
  switch (outcome.kind) {
    case 'failure':
      return outcome.error;
    case 'time-limit':
      return `hard time limit (${outcome.seconds}s) exceeded`;
    case 'lost':
      return outcome.reason;
    default:
      return undefined;
  }
}

/**
 * Execute and finish one request on `actor`. Throws only when the handler was abandoned:
 * the executor then crashes on purpose and is replaced.
 */
export function runExecution(
  rt: WorkerRuntime,
  input: ExecutionInput,
  actor: ActorRef,
): Promise<ExecutionResult> {
  // Already in the request's context (always so without an OTel SDK): no `with` needed.
  if (input.context === context.active()) return execute(rt, input, actor);
  return context.with(input.context, execute, undefined, rt, input, actor);
}

async function execute(
  rt: WorkerRuntime,
  input: ExecutionInput,
  actor: ActorRef,
): Promise<ExecutionResult> {
  const { request, task, span } = input;
  const result = await executeRequest(rt, task, request);
  recordOutcome(span, result.outcome.kind, errorOf(result.outcome));
  await finishRequest(rt, task, request, result.outcome);
  input.result = result;
  if (result.abandoned) {
    input.replaced = untilRunningAgain(actor);
    throw new ExecutorAbandonedError(request.name, request.id);
  }
  return result;
}

/** Resolves once `actor` has gone down and is started again (or has stopped). */
function untilRunningAgain(actor: ActorRef): Promise<void> {
  return new Promise((resolve) => {
    let down = false;
    const stop = actor.system.inspect((record) => {
      if (record.type !== 'transition' || record.path !== actor.path) return;
      if (record.to === 'stopped' || (down && record.to.startsWith('started.'))) {
        stop();
        resolve();
      } else if (!record.to.startsWith('started.')) {
        down = true;
      }
    });
  });
}

/** The executor definition of a worker: one actor task per registered task. */
export function defineExecutor(rt: WorkerRuntime): ActorDefinition<NoResources, string> {
  const tasks: Record<string, TaskSpec<NoResources, string>> = {};
  for (const name of rt.registry.names()) {
    tasks[executorTaskKey(name)] = {
      run: ({ input, actor }) => runExecution(rt, input as ExecutionInput, actor),
    };
  }
  return defineActor<NoResources, string>({ name: 'executor', tasks });
}
