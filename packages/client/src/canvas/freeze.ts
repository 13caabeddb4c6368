/**
 * Freezing a canvas (Celery's `freeze`): every task gets its id before anything is
 * published, so a chain's result is known to be its last task's, a chord's its body's.
 * Also the one rewrite Celery makes: in a chain, a group followed by a step becomes a
 * chord of that group and that step.
 */
import {
  chainSignature,
  chordSignature,
  groupSignature,
  SubtaskType,
  uuid4,
  type SignatureJson,
} from '@celeriac/protocol';
import { stepsOf } from './chain.js';
import { headerOf } from './chord.js';

/** Where a frozen canvas's result is: one task, or a group of results. */
export type FrozenResult =
  { kind: 'task'; id: string } | { kind: 'group'; id: string; members: FrozenResult[] };

/** The steps of a chain with `group, step` pairs turned into chords, as Celery's chain does. */
export function normalizeSteps(steps: readonly SignatureJson[]): SignatureJson[] {
  const out: SignatureJson[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const next = steps[i + 1];
    if (step.subtask_type === SubtaskType.group && next !== undefined) {
      out.push(chordSignature(headerOf(step), next, step.options));
      i++;
    } else {
      out.push(step);
    }
  }
  // A chord made above may now be followed by a step that belongs in its body's chain:
  // that is handled when the chain is applied (the rest rides in the body's chain).
  return out;
}

/** Signatures with groups replaced by their members, recursively. */
function flattenGroups(list: readonly SignatureJson[]): SignatureJson[] {
  return list.flatMap((sig) =>
    sig.subtask_type === SubtaskType.group
      ? flattenGroups(sig.kwargs['tasks'] as SignatureJson[])
      : [sig],
  );
}

/** The header members of a chord, nested groups flattened. */
export function chordMembers(chord: SignatureJson): SignatureJson[] {
  return flattenGroups(headerOf(chord.kwargs['header'] as SignatureJson | SignatureJson[]));
}

/** The header group id of a frozen chord. */
export function chordGroupId(chord: SignatureJson): string {
  const header = chord.kwargs['header'] as SignatureJson | SignatureJson[];
  if (!Array.isArray(header) && typeof header.options.task_id === 'string') {
    return header.options.task_id;
  }
  throw new Error('chordGroupId: the chord is not frozen');
}

/** Options of {@link freeze}. */
export interface FreezeOptions {
  /**
   * The reply queue every task signature gets when it names none (`reply_to`), as
   * Celery's `Signature.freeze` puts `app.thread_oid` there: a chain step or chord body
   * a worker sends later then replies to the client that sent the canvas, which is
   * what makes `rpc://` results of canvases arrive. The client passes its own.
   */
  replyTo?: string;
}

/** A copy of `sig` with every id assigned (ids already present are kept). */
export function freeze(sig: SignatureJson, options: FreezeOptions = {}): SignatureJson {
  const again = (s: SignatureJson) => freeze(s, options);
  switch (sig.subtask_type) {
    case SubtaskType.chain:
      return chainSignature(normalizeSteps(stepsOf(sig)).map(again), sig.options);
    case SubtaskType.group:
      return groupSignature((sig.kwargs['tasks'] as SignatureJson[]).map(again), {
        ...sig.options,
        task_id: sig.options.task_id ?? uuid4(),
      });
    case SubtaskType.chord: {
      const header = sig.kwargs['header'] as SignatureJson | SignatureJson[];
      const gid =
        !Array.isArray(header) && typeof header.options.task_id === 'string'
          ? header.options.task_id
          : uuid4();
      const members = chordMembers(sig).map(again);
      const body = again(sig.kwargs['body'] as SignatureJson);
      const out = chordSignature([], body, sig.options);
      out.kwargs['header'] = groupSignature(members, { task_id: gid });
      return out;
    }
    default: {
      const frozen = { ...sig.options, task_id: sig.options.task_id ?? uuid4() };
      if (frozen.reply_to === undefined && options.replyTo !== undefined) {
        frozen.reply_to = options.replyTo;
      }
      return { ...sig, options: frozen };
    }
  }
}

/** Where the result of a frozen signature will be. */
export function resultOf(sig: SignatureJson): FrozenResult {
  switch (sig.subtask_type) {
    case SubtaskType.chain: {
      const steps = sig.kwargs['tasks'] as SignatureJson[];
      const last = steps[steps.length - 1];
      if (!last) throw new RangeError('an empty chain has no result');
      return resultOf(last);
    }
    case SubtaskType.group:
      return {
        kind: 'group',
        id: sig.options.task_id!,
        members: (sig.kwargs['tasks'] as SignatureJson[]).map(resultOf),
      };
    case SubtaskType.chord:
      return resultOf(sig.kwargs['body'] as SignatureJson);
    default:
      return { kind: 'task', id: sig.options.task_id! };
  }
}

/** A group or chord sent as one unit: what its telemetry span and root id are. */
export interface CanvasUnit {
  canvas: 'group' | 'chord';
  /** The group's id (a chord's header group). */
  groupId: string;
}

/**
 * The unit a frozen canvas publishes as: a group, a chord, or a chain whose first step
 * is one (only that step is published now); undefined for a single first task.
 */
export function unitOf(sig: SignatureJson): CanvasUnit | undefined {
  switch (sig.subtask_type) {
    case SubtaskType.chain: {
      const first = (sig.kwargs['tasks'] as SignatureJson[])[0];
      return first === undefined ? undefined : unitOf(first);
    }
    case SubtaskType.group:
      return { canvas: 'group', groupId: sig.options.task_id! };
    case SubtaskType.chord:
      return chordMembers(sig).length === 0
        ? undefined
        : { canvas: 'chord', groupId: chordGroupId(sig) };
    default:
      return undefined;
  }
}
