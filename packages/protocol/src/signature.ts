/**
 * Signature JSON (`celery/canvas.py` `Signature`, a dict): what travels in a task's embed
 * (`callbacks`, `errbacks`, `chain`, `chord`) and in canvas options. Kept in its wire form
 * (snake_case) because it is passed along, stored and re-sent far more than it is read.
 * Celery 5.2.6 writes exactly six keys; `chord_size` is only read, and accepted here.
 */
import { DecodeError } from './errors.js';
import { encodeJson } from './json.js';

/** `subtask_type` of composite signatures. */
export const SubtaskType = {
  chain: 'chain',
  group: 'group',
  chord: 'chord',
} as const;
/** One of the values of {@link SubtaskType}. */
export type SubtaskType = (typeof SubtaskType)[keyof typeof SubtaskType];

/** Task names Celery uses for composite signatures. */
export const CanvasTask = {
  chain: 'celery.chain',
  group: 'celery.group',
  chord: 'celery.chord',
} as const;

/** Execution options a signature carries (`apply_async` keywords), snake_case as sent. */
export interface SignatureOptions {
  /** Pre-assigned task id (set when the signature was frozen). */
  task_id?: string;
  reply_to?: string;
  queue?: string;
  exchange?: string;
  routing_key?: string;
  priority?: number;
  /** Seconds from sending. */
  countdown?: number;
  /** ISO-8601 time. */
  eta?: string;
  /** Seconds from sending, or an ISO-8601 time. */
  expires?: number | string;
  link?: SignatureJson | SignatureJson[];
  link_error?: SignatureJson | SignatureJson[];
  group_id?: string;
  group_index?: number;
  chord?: SignatureJson;
  root_id?: string;
  parent_id?: string;
  time_limit?: number;
  soft_time_limit?: number;
  /** Extra message headers, merged into the task message's top-level headers. */
  headers?: Record<string, unknown>;
  ignore_result?: boolean;
  shadow?: string;
  [option: string]: unknown;
}

/** A signature as JSON. */
export interface SignatureJson {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: SignatureOptions;
  subtask_type: SubtaskType | null;
  /** `.si()`: the parent's result is not prepended to `args`. */
  immutable: boolean;
  /** Read by key/value backends from a chord's body when present; never written by 5.2.6. */
  chord_size?: number | null;
}

/** What {@link signature} needs; everything else has Celery's defaults. */
export interface SignatureInit {
  task: string;
  args?: readonly unknown[];
  kwargs?: Record<string, unknown>;
  options?: SignatureOptions;
  immutable?: boolean;
}

/** A plain task signature, in Celery's key order. */
export function signature(init: SignatureInit): SignatureJson {
  return {
    task: init.task,
    args: [...(init.args ?? [])],
    kwargs: { ...init.kwargs },
    options: { ...init.options },
    subtask_type: null,
    immutable: init.immutable ?? false,
  };
}

function composite(
  type: SubtaskType,
  kwargs: Record<string, unknown>,
  options: SignatureOptions = {},
): SignatureJson {
  return {
    task: CanvasTask[type],
    args: [],
    kwargs,
    options: { ...options },
    subtask_type: type,
    immutable: false,
  };
}

/** `celery.chain`: `kwargs.tasks` in call order. */
export function chainSignature(
  tasks: readonly SignatureJson[],
  options?: SignatureOptions,
): SignatureJson {
  return composite(SubtaskType.chain, { tasks: [...tasks] }, options);
}

/** `celery.group`: `kwargs.tasks`. */
export function groupSignature(
  tasks: readonly SignatureJson[],
  options?: SignatureOptions,
): SignatureJson {
  return composite(SubtaskType.group, { tasks: [...tasks] }, options);
}

/** `celery.chord`: `kwargs = {kwargs: {}, header: [...], body}`. */
export function chordSignature(
  header: readonly SignatureJson[],
  body: SignatureJson,
  options?: SignatureOptions,
): SignatureJson {
  return composite(SubtaskType.chord, { kwargs: {}, header: [...header], body }, options);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validate and normalise a signature read from the wire. Missing `args`, `kwargs`,
 * `options`, `subtask_type` and `immutable` get Celery's defaults (old senders omit
 * them); wrong types throw {@link DecodeError} at `path` (e.g. `body[2].chain[0].args`).
 * Composite signatures are checked recursively (`kwargs.tasks`, `kwargs.header`,
 * `kwargs.body`).
 */
export function decodeSignature(value: unknown, path = 'signature'): SignatureJson {
  if (!isRecord(value)) throw new DecodeError(path, 'expected a signature object');
  const { task, args, kwargs, options, subtask_type, immutable, chord_size } = value;
  if (typeof task !== 'string' || task === '') {
    throw new DecodeError(`${path}.task`, 'expected a task name');
  }
  if (args !== undefined && args !== null && !Array.isArray(args)) {
    throw new DecodeError(`${path}.args`, 'args must be an array');
  }
  if (kwargs !== undefined && kwargs !== null && !isRecord(kwargs)) {
    throw new DecodeError(`${path}.kwargs`, 'kwargs must be an object');
  }
  if (options !== undefined && options !== null && !isRecord(options)) {
    throw new DecodeError(`${path}.options`, 'options must be an object');
  }
  if (
    subtask_type !== undefined &&
    subtask_type !== null &&
    !Object.values(SubtaskType).includes(subtask_type as SubtaskType)
  ) {
    throw new DecodeError(
      `${path}.subtask_type`,
      `expected chain, group, chord or null, got ${JSON.stringify(subtask_type)}`,
    );
  }
  if (immutable !== undefined && immutable !== null && typeof immutable !== 'boolean') {
    throw new DecodeError(`${path}.immutable`, 'expected a boolean');
  }
  if (chord_size !== undefined && chord_size !== null && !Number.isInteger(chord_size)) {
    throw new DecodeError(`${path}.chord_size`, 'expected an integer');
  }
  const out: SignatureJson = {
    task,
    args: (args as unknown[] | null | undefined) ?? [],
    kwargs: kwargs ?? {},
    options: (options as SignatureOptions | null | undefined) ?? {},
    subtask_type: (subtask_type as SubtaskType | null | undefined) ?? null,
    immutable: immutable ?? false,
  };
  if (chord_size !== undefined) out.chord_size = chord_size as number | null;
  decodeNested(out, path);
  return out;
}

function decodeNested(sig: SignatureJson, path: string): void {
  const kw = sig.kwargs;
  const list = (key: string) => {
    const items = kw[key];
    if (!Array.isArray(items)) {
      throw new DecodeError(`${path}.kwargs.${key}`, 'expected a list of signatures');
    }
    kw[key] = items.map((item, i) => decodeSignature(item, `${path}.kwargs.${key}[${i}]`));
  };
  if (sig.subtask_type === SubtaskType.chain || sig.subtask_type === SubtaskType.group) {
    list('tasks');
  } else if (sig.subtask_type === SubtaskType.chord) {
    // The header is a list, or a group signature when built from group(...).
    if (Array.isArray(kw['header'])) list('header');
    else kw['header'] = decodeSignature(kw['header'], `${path}.kwargs.header`);
    kw['body'] = decodeSignature(kw['body'], `${path}.kwargs.body`);
  }
}

/**
 * A signature's JSON text as kombu writes it; throws `EncodeError` naming the path of a
 * value JSON cannot carry.
 */
export function encodeSignature(sig: SignatureJson): string {
  return encodeJson(sig, 'signature');
}

/** Decode a list of signatures or null (embed `callbacks`, `errbacks`, `chain`). */
export function decodeSignatureList(value: unknown, path: string): SignatureJson[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw new DecodeError(path, 'expected a list of signatures or null');
  return value.map((item, i) => decodeSignature(item, `${path}[${i}]`));
}
