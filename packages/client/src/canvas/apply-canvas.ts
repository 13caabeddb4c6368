/**
 * Publishing a frozen canvas the way Celery 5.2 does (celery-wire.md §1.6): a chain
 * publishes its first step with the rest in the `chain` embed; a group publishes every
 * member with the `group` header; a chord sets its size in the result backend, then
 * publishes its header members with `group`, `group_index` 0…n-1 and the body in the
 * `chord` embed. Composite members nest: what follows a signature (its "tail": the rest
 * of a chain, the group and chord it belongs to) moves to the signature's last task.
 */
import { chainSignature, chordSignature, SubtaskType } from '@celeriac/protocol';
import type { ResultBackend, SignatureJson } from '@celeriac/protocol';
import { ChordsUnsupportedError } from '../errors.js';
import type { SendTaskOptions } from '../send-options.js';
import type { SentTask, TaskToSend } from '../send-task.js';
import { fromSignatureOptions } from '../signature-options.js';
import { stepsOf } from './chain.js';
import {
  chordGroupId,
  chordMembers,
  freeze,
  normalizeSteps,
  type FreezeOptions,
} from './freeze.js';

/** What applying a canvas needs from its client. */
export interface CanvasHost {
  send(task: TaskToSend): Promise<SentTask>;
  /** The reply queue given to task signatures frozen here (see `FreezeOptions`). */
  readonly replyTo?: string;
  /** Where chord sizes are set. */
  readonly backend: ResultBackend | undefined;
}

/** What follows a signature: its group, its chord body, the rest of its chain. */
export interface Tail {
  groupId?: string;
  groupIndex?: number;
  chord?: SignatureJson;
  /** In call order. */
  chain?: readonly SignatureJson[];
}

/** The call: arguments prepended to (and keyword arguments merged into) the first tasks. */
export interface ApplyCall {
  args?: readonly unknown[];
  kwargs?: Record<string, unknown>;
  parentId?: string;
  rootId?: string;
  /** Options of this call, over the first tasks' own. */
  overrides?: SendTaskOptions;
}

/** `sig` with `tail` moved onto its last task (a new signature; `sig` is unchanged). */
export function withTail(sig: SignatureJson, tail: Tail): SignatureJson {
  const rest = tail.chain ?? [];
  switch (sig.subtask_type) {
    case SubtaskType.chain: {
      const steps = normalizeSteps([...stepsOf(sig), ...rest]);
      const last = steps.pop();
      if (!last) return sig;
      return chainSignature([...steps, withTail(last, { ...tail, chain: [] })], sig.options);
    }
    case SubtaskType.chord: {
      const body = withTail(sig.kwargs['body'] as SignatureJson, tail);
      return { ...sig, kwargs: { ...sig.kwargs, body } };
    }
    case SubtaskType.group:
      if (rest.length === 0) return sig;
      return withTail(chordSignature([sig], bodyOf(rest), sig.options), {
        ...tail,
        chain: [],
      });
    default: {
      const options = { ...sig.options };
      if (tail.groupId !== undefined) options.group_id = tail.groupId;
      if (tail.groupIndex !== undefined) options.group_index = tail.groupIndex;
      if (tail.chord !== undefined) options.chord = tail.chord;
      if (rest.length > 0) {
        // Signature options carry the chain as the embed does: reversed.
        const own = Array.isArray(options.chain) ? (options.chain as SignatureJson[]) : [];
        options.chain = [...[...rest].reverse(), ...own];
      }
      return { ...sig, options };
    }
  }
}

function freezeOptions(host: CanvasHost): FreezeOptions {
  return host.replyTo === undefined ? {} : { replyTo: host.replyTo };
}

function bodyOf(steps: readonly SignatureJson[]): SignatureJson {
  return steps.length === 1 ? steps[0]! : chainSignature(steps);
}

/** Publish a frozen signature (see {@link freeze}). */
export async function applyFrozen(
  host: CanvasHost,
  sig: SignatureJson,
  call: ApplyCall,
  tail: Tail = {},
): Promise<void> {
  switch (sig.subtask_type) {
    case SubtaskType.chain: {
      const steps = normalizeSteps([...stepsOf(sig), ...(tail.chain ?? [])]).map((step) =>
        freeze(step, freezeOptions(host)),
      );
      const [first, ...rest] = steps;
      if (!first) return;
      const last = rest.pop();
      const overrides = { ...fromSignatureOptions(sig.options), ...call.overrides };
      const next = { ...call, overrides };
      const { chain: _, ...membership } = tail;
      if (last === undefined) return applyFrozen(host, first, next, membership);
      return applyFrozen(host, first, next, { chain: [...rest, withTail(last, membership)] });
    }
    case SubtaskType.group: {
      if (tail.chain && tail.chain.length > 0) {
        const asChord = freeze(
          chordSignature([sig], bodyOf(tail.chain), sig.options),
          freezeOptions(host),
        );
        const { chain: _, ...membership } = tail;
        return applyFrozen(host, asChord, call, membership);
      }
      const gid = sig.options.task_id!;
      const members = sig.kwargs['tasks'] as SignatureJson[];
      await Promise.all(members.map((member) => applyFrozen(host, member, call, { groupId: gid })));
      return;
    }
    case SubtaskType.chord: {
      const gid = chordGroupId(sig);
      const members = chordMembers(sig);
      const body = withTail(sig.kwargs['body'] as SignatureJson, tail);
      if (members.length === 0) {
        // Celery sends the body at once with an empty result list.
        const { args: _, kwargs: __, ...rest } = call;
        return applyFrozen(host, body, { ...rest, args: [[]] });
      }
      const backend = host.backend;
      if (!backend?.setChordSize || !backend.chordPartReturned) {
        throw new ChordsUnsupportedError(backend?.kind);
      }
      await backend.connect();
      await backend.setChordSize(gid, members.length);
      await Promise.all(
        members.map((member, groupIndex) =>
          applyFrozen(host, member, call, { groupId: gid, groupIndex, chord: body }),
        ),
      );
      return;
    }
    default: {
      const own = fromSignatureOptions(sig.options);
      const chain = [...(own.chain ?? []), ...(tail.chain ?? [])];
      const options: SendTaskOptions = { ...own, ...call.overrides, taskId: sig.options.task_id! };
      if (call.parentId !== undefined) options.parentId = call.parentId;
      if (call.rootId !== undefined) options.rootId = call.rootId;
      if (tail.groupId !== undefined) options.groupId = tail.groupId;
      if (tail.groupIndex !== undefined) options.groupIndex = tail.groupIndex;
      if (tail.chord !== undefined) options.chord = tail.chord;
      if (chain.length > 0) options.chain = chain;
      else delete options.chain;
      const args = sig.immutable ? sig.args : [...(call.args ?? []), ...sig.args];
      await host.send({
        name: sig.task,
        args,
        kwargs: { ...sig.kwargs, ...call.kwargs },
        options,
        expect: false,
      });
    }
  }
}
