/**
 * Link callbacks, errbacks and the next chain step (Celery's `on_success`/`on_failure`
 * canvas handling): callbacks get the result prepended unless immutable; errbacks get
 * the failed task's id; the chain's last element is popped and sent with the result.
 * A follow-up that cannot be sent is logged with the task, the signature and why.
 */
import type { TaskRequest } from '../pipeline/request.js';
import type { CanvasDeps, FollowUpOptions } from './send-signature.js';

/** Send link callbacks and the next chain step after a success. Never throws. */
export async function sendCallbacks(
  deps: Pick<CanvasDeps, 'send' | 'logger'>,
  request: TaskRequest,
  value: unknown,
): Promise<void> {
  const base = { parentId: request.id, rootId: request.rootId ?? request.id };
  for (const signature of request.callbacks ?? []) {
    await send(deps, request, 'link callback', signature, { ...base, prependArgs: [value] });
  }
  if (request.chain && request.chain.length > 0) {
    const rest = [...request.chain];
    const next = rest.pop();
    await send(deps, request, 'next chain step', next, {
      ...base,
      prependArgs: [value],
      chain: rest,
    });
  }
}

/** Send errbacks after a failure, with the failed task's id as argument. Never throws. */
export async function sendErrbacks(
  deps: Pick<CanvasDeps, 'send' | 'logger' | 'results'>,
  request: TaskRequest,
  error: unknown,
): Promise<void> {
  const base = { parentId: request.id, rootId: request.rootId ?? request.id };
  for (const signature of request.errbacks ?? []) {
    await send(deps, request, 'errback', signature, { ...base, prependArgs: [request.id] });
  }
  // As Celery: the rest of a failed chain is marked FAILURE too, so waiting on its last
  // task does not hang.
  for (const signature of request.chain ?? []) {
    const taskId = signature.options.task_id;
    if (typeof taskId !== 'string') continue;
    await deps.results.failure(
      { ...request, id: taskId, parentId: request.id, groupId: null },
      error,
    );
  }
}

async function send(
  deps: Pick<CanvasDeps, 'send' | 'logger'>,
  request: TaskRequest,
  what: string,
  signature: unknown,
  options: FollowUpOptions,
): Promise<void> {
  try {
    await deps.send(signature, options);
  } catch (error) {
    deps.logger.error(`Could not send the ${what} of ${request.name}[${request.id}]`, {
      task: request.name,
      id: request.id,
      signature,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
