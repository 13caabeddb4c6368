/**
 * `ctx.replace(signature)` — Celery 5.2's `Task.replace`: the replacement takes the
 * task's place in its workflow. Its final task gets the replaced task's id (so whoever
 * waits on that id gets the replacement's result), its chord, group id and index (so a
 * chord counts it as the replaced header part), the task's link callbacks (on the final
 * task) and errbacks (on every task), and the rest of the task's chain runs after it.
 * A group is turned into a chord whose body (`celery.accumulate`) returns the group's
 * results, as Celery does. The replaced task itself stores no state (Celery's `Ignore`).
 */
import { stepsOf } from '@celeriac/client';
import {
  chordSignature,
  signature as plainSignature,
  SubtaskType,
  type SignatureJson,
} from '@celeriac/protocol';
import { BuiltinTask } from './builtin-tasks.js';
import { InvalidOptionError } from '../errors.js';
import type { TaskRequest } from '../pipeline/request.js';
import { MAX_SIGNATURE_NESTING, signatureNesting } from './nesting.js';
import type { SendFollowUp } from './send-signature.js';

/** Build and send the replacement of `request`. Throws when it cannot be sent. */
export async function sendReplacement(
  send: SendFollowUp,
  request: TaskRequest,
  replacement: SignatureJson,
): Promise<void> {
  const steps = replacementSteps(request, replacement);
  // The task's remaining chain follows the replacement (embedded reversed: pop = next).
  const rest = [...(request.chain ?? [])];
  const [first, ...others] = steps as [SignatureJson, ...SignatureJson[]];
  await send(first, {
    prependArgs: [],
    parentId: request.id,
    rootId: request.rootId ?? request.id,
    chain: [...rest, ...others.reverse()],
  });
}

/** The replacement as chain steps, its last one carrying the replaced task's place. */
export function replacementSteps(
  request: TaskRequest,
  replacement: SignatureJson,
): SignatureJson[] {
  // Bounded here, so the rebuilding below (recursive over chord bodies) stays shallow.
  const depth = signatureNesting([replacement]);
  if (depth > MAX_SIGNATURE_NESTING) {
    throw new InvalidOptionError(
      'ctx.replace',
      `the replacement nests ${depth} signatures deep, more than the ${MAX_SIGNATURE_NESTING} allowed`,
    );
  }
  if (replacement.options.chord !== undefined && replacement.options.chord !== null) {
    throw new InvalidOptionError(
      'ctx.replace',
      'a signature replacing a task must not be part of a chord',
    );
  }
  let sig = replacement;
  if (sig.subtask_type === SubtaskType.group) {
    const members = sig.kwargs['tasks'] as SignatureJson[];
    sig = chordSignature(
      members,
      plainSignature({ task: BuiltinTask.accumulate, kwargs: { index: 0 } }),
    );
  }
  const steps = stepsOf(sig).map((step) => withErrbacks(step, request.errbacks ?? []));
  if (steps.length === 0)
    throw new InvalidOptionError('ctx.replace', 'cannot replace with an empty chain');
  const last = steps.length - 1;
  steps[last] = takePlace(
    steps[last]!,
    request,
    sig.subtask_type === SubtaskType.chain ? sig : null,
  );
  return steps;
}

/** Put the replaced task's id, chord, group and callbacks on `step` (a chord's body). */
function takePlace(
  step: SignatureJson,
  request: TaskRequest,
  chain: SignatureJson | null,
): SignatureJson {
  if (step.subtask_type === SubtaskType.chord) {
    const body = step.kwargs['body'] as SignatureJson;
    const bodySteps = stepsOf(body);
    const bodyLast = bodySteps.length - 1;
    bodySteps[bodyLast] = takePlace(bodySteps[bodyLast]!, request, null);
    const newBody =
      bodySteps.length === 1
        ? bodySteps[0]!
        : { ...body, kwargs: { ...body.kwargs, tasks: bodySteps } };
    return { ...step, kwargs: { ...step.kwargs, body: newBody } };
  }
  if (step.subtask_type === SubtaskType.group) {
    throw new InvalidOptionError(
      'ctx.replace',
      'a group cannot end a replacement chain; use a chord',
    );
  }
  // Links set on a replacing chain belong to its final task (Celery pushes them down).
  const links = [
    ...asList(step.options.link),
    ...asList(chain?.options.link),
    ...(request.callbacks ?? []),
  ];
  const options: Record<string, unknown> = { ...step.options, task_id: request.id };
  if (links.length > 0) options['link'] = links;
  if (request.chord) options['chord'] = request.chord;
  if (request.groupId !== null) options['group_id'] = request.groupId;
  if (request.groupIndex !== null) options['group_index'] = request.groupIndex;
  return { ...step, options };
}

function withErrbacks(step: SignatureJson, errbacks: readonly SignatureJson[]): SignatureJson {
  if (errbacks.length === 0) return step;
  if (step.subtask_type === SubtaskType.chord) {
    const body = withErrbacks(step.kwargs['body'] as SignatureJson, errbacks);
    return { ...step, kwargs: { ...step.kwargs, body } };
  }
  const linkError = [...asList(step.options.link_error), ...errbacks];
  return { ...step, options: { ...step.options, link_error: linkError } };
}

function asList(value: unknown): SignatureJson[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as SignatureJson[];
}
