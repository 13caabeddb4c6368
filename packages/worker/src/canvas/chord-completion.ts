/**
 * What a worker does when a chord header task ends (Celery's `on_chord_part_return`):
 * report the part to the result backend, which counts atomically across workers
 * (Python ones included on Redis); the one worker that completes the chord sends the
 * body with the header results in `group_index` order, `parent_id`/`root_id` of that
 * last header task. Better than Celery: the first failed part fails the chord at once —
 * the body's result is stored FAILURE with `ChordError("Dependency <id> raised …")` and
 * its errbacks are sent — so nothing waits for a chord that can no longer succeed.
 */
import {
  encodeExceptionInfo,
  errorToExceptionInfo,
  PROPAGATE_STATES,
  PyTuple,
  saferepr,
} from '@celeriac/protocol';
import type { ChordPart, SignatureJson, TaskStateName } from '@celeriac/protocol';
import { CeleryException } from '../errors.js';
import type { TaskRequest } from '../pipeline/request.js';
import type { CanvasDeps } from './send-signature.js';

/** `celery.exceptions.ChordError`: a chord's header failed, or its body could not be sent. */
export class ChordError extends CeleryException {
  constructor(message: string) {
    super('celery.exceptions', [message], message);
  }
}

/** Python's `repr` of an encoded exception: `ValueError('boom')`. */
export function exceptionRepr(encoded: unknown): string {
  if (typeof encoded !== 'object' || encoded === null) return saferepr(encoded, 1024);
  const info = encoded as { exc_type?: unknown; exc_message?: unknown };
  const type = typeof info.exc_type === 'string' ? info.exc_type : 'Exception';
  const args = Array.isArray(info.exc_message) ? info.exc_message : [info.exc_message];
  const inner = saferepr(new PyTuple(args), 1024);
  return `${type}${args.length === 1 ? inner.replace(/,\)$/, ')') : inner}`;
}

/**
 * Every task id a signature will store a result under (so failing it leaves no waiter),
 * in order; walked without recursion.
 */
export function resultTaskIds(sig: SignatureJson): { id: string; name: string }[] {
  const out: { id: string; name: string }[] = [];
  const stack: SignatureJson[] = [sig];
  while (stack.length > 0) {
    const next = stack.pop()!;
    switch (next.subtask_type) {
      case 'chain':
      case 'group': {
        const tasks = next.kwargs['tasks'] as SignatureJson[];
        for (let i = tasks.length - 1; i >= 0; i--) stack.push(tasks[i]!);
        break;
      }
      case 'chord':
        stack.push(next.kwargs['body'] as SignatureJson);
        break;
      default:
        if (typeof next.options.task_id === 'string') {
          out.push({ id: next.options.task_id, name: next.task });
        }
    }
  }
  return out;
}

/** The errbacks of a signature: its own, and a chain's first step's, down the chain. */
function errbacksOf(sig: SignatureJson): unknown[] {
  const out: unknown[] = [];
  for (let current: SignatureJson | undefined = sig; current !== undefined;) {
    const own = current.options.link_error;
    if (own !== undefined && own !== null) out.push(...(Array.isArray(own) ? own : [own]));
    current =
      current.subtask_type === 'chain'
        ? (current.kwargs['tasks'] as SignatureJson[])[0]
        : undefined;
  }
  return out;
}

/** Store FAILURE with `error` for the chord's body and send its errbacks. */
export async function failChord(
  deps: Pick<CanvasDeps, 'send' | 'results' | 'logger'>,
  request: TaskRequest,
  body: SignatureJson,
  error: ChordError,
): Promise<void> {
  deps.logger.error(`Chord ${request.groupId} failed: ${error.message}`, {
    task: request.name,
    id: request.id,
    group: request.groupId,
  });
  const targets = resultTaskIds(body);
  for (const target of targets) {
    await deps.results.failure(
      {
        ...request,
        id: target.id,
        name: target.name,
        args: [],
        kwargs: {},
        retries: 0,
        parentId: request.id,
        groupId: null,
        correlationId: target.id,
      },
      error,
    );
  }
  const bodyId = targets[targets.length - 1]?.id ?? request.id;
  for (const errback of errbacksOf(body)) {
    try {
      await deps.send(errback, {
        prependArgs: [bodyId],
        parentId: request.id,
        rootId: request.rootId ?? request.id,
      });
    } catch (cause) {
      deps.logger.error(`Could not send an errback of chord ${request.groupId}`, {
        error: cause instanceof Error ? cause.message : String(cause),
      });
    }
  }
}

/**
 * Report a header task's end, and complete or fail the chord when this worker is the
 * one to. Does nothing for tasks outside a chord. Never throws; problems are logged.
 */
export async function chordPartReturned(
  deps: CanvasDeps,
  request: TaskRequest,
  status: TaskStateName,
  result: unknown,
): Promise<void> {
  const body = request.chord;
  const groupId = request.groupId;
  if (!body || !groupId) return;
  const backend = deps.backend;
  if (!backend.chordPartReturned) {
    deps.logger.error(
      `Task ${request.name}[${request.id}] is part of chord ${groupId}, but the ` +
        `${backend.kind} result backend cannot count chord parts`,
      { task: request.name, id: request.id },
    );
    return;
  }
  const part: ChordPart = { taskId: request.id, groupIndex: request.groupIndex, status, result };
  let outcome;
  try {
    outcome = await backend.chordPartReturned(groupId, part);
  } catch (error) {
    deps.logger.error(`Could not record the chord part ${request.id} of ${groupId}`, {
      error: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  if (!outcome.complete) {
    if (outcome.sizeUnknown) {
      deps.logger.warn(`Chord ${groupId} has no size in the result backend (expired?)`, {
        task: request.name,
        id: request.id,
      });
    }
    if (outcome.firstFailure) {
      await failChord(deps, request, body, dependencyError(request.id, result));
    }
    return;
  }
  if (outcome.failedEarlier) return;
  const failed = outcome.parts.find((p) => PROPAGATE_STATES.has(p.status));
  if (failed) {
    await failChord(deps, request, body, dependencyError(failed.taskId, failed.result));
    return;
  }
  try {
    await deps.send(body, {
      prependArgs: [outcome.parts.map((p) => p.result)],
      parentId: request.id,
      rootId: request.rootId ?? request.id,
    });
  } catch (error) {
    await failChord(
      deps,
      request,
      body,
      new ChordError(
        `Callback error: ${exceptionRepr(encodeExceptionInfo(errorToExceptionInfo(error)))}`,
      ),
    );
  }
}

function dependencyError(taskId: string, encoded: unknown): ChordError {
  return new ChordError(`Dependency ${taskId} raised ${exceptionRepr(encoded)}`);
}
