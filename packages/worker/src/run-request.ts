/**
 * One request's whole stay on an executor, inside its CONSUMER span: execute, record the
 * outcome on the span, finish (store, events, acks, follow-ups).
 */
import { executeRequest, type ExecutionOutcome, type ExecutionResult } from './execute-request.js';
import { finishRequest } from './finish-request.js';
import type { WorkerRuntime } from './runtime.js';
import type { RegisteredTask } from './task-registry.js';
import type { TaskRequest } from './task-request.js';
import { recordOutcome, withConsumerSpan } from './telemetry.js';

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
 * Run `request` to the end. `onStart` is called inside the span's context before the
 * handler runs, so what it does (an executor actor's transition) joins the trace.
 */
export function runRequest(
  rt: WorkerRuntime,
  task: RegisteredTask,
  request: TaskRequest,
  onStart?: () => void,
): Promise<ExecutionResult> {
  return withConsumerSpan(request, rt.transport.kind, rt.hostname, async (span) => {
    onStart?.();
    const result = await executeRequest(rt, task, request);
    recordOutcome(span, result.outcome.kind, errorOf(result.outcome));
    await finishRequest(rt, task, request, result.outcome);
    return result;
  });
}
