/**
 * The protocol v2 task headers (celery-wire.md §1.2): decoded with camelCase names and
 * checked field by field, and written back in exactly the key order of Celery 5.2.6's
 * `as_task_v2`, followed by any extra headers (`traceparent`, …) as Celery's
 * `headers.update(...)` would put them.
 */
import { formatIsoDate, parseOptionalIsoDate } from './dates.js';
import { DecodeError } from './errors.js';

/** `[hard, soft]` time limits in seconds; note the order: hard first. */
export type TimeLimits = readonly [hard: number | null, soft: number | null];

/** Decoded v2 headers. */
export interface TaskHeaders {
  /** `"py"` from Celery; never checked by workers. */
  lang: string | null;
  /** Registered task name. */
  task: string;
  /** Task id (UUID string). */
  id: string;
  /** Display name for logs, when set. */
  shadow: string | null;
  /** Run not before this time. */
  eta: Date | null;
  /** Do not run after this time. */
  expires: Date | null;
  /** Id of the group this task belongs to. */
  group: string | null;
  /** Position in a frozen group (chord header members), else null. */
  groupIndex: number | null;
  /** How many times the task was retried. */
  retries: number;
  timelimit: TimeLimits;
  /** First task of the workflow; a sender leaves it null only in hand-made messages. */
  rootId: string | null;
  /** The task that sent this one. */
  parentId: string | null;
  /** Python `saferepr` of the args, for display. */
  argsrepr: string | null;
  kwargsrepr: string | null;
  /** Sender's node name, `gen<pid>@<host>` for clients. */
  origin: string | null;
  /** The worker stores no result when true. */
  ignoreResult: boolean;
  /** Every other header (`traceparent`, `redelivered`, `apply_async(headers=…)` keys). */
  extraHeaders: Record<string, unknown>;
}

/** Headers to encode: `task` and `id` are required, the rest default as in Celery. */
export interface TaskHeadersInit {
  task: string;
  id: string;
  lang?: string | null;
  shadow?: string | null;
  /** A Date, or an ISO string passed through verbatim (as a retry keeps the original). */
  eta?: Date | string | null;
  expires?: Date | string | null;
  group?: string | null;
  groupIndex?: number | null;
  retries?: number;
  timelimit?: TimeLimits;
  /** Defaults to `id`, as in Celery. */
  rootId?: string | null;
  parentId?: string | null;
  /** Defaults to Celery's `saferepr(args, 1024)`. */
  argsrepr?: string | null;
  kwargsrepr?: string | null;
  origin?: string | null;
  ignoreResult?: boolean;
  extraHeaders?: Record<string, unknown>;
}

/** The v2 header names, in Celery 5.2.6's order. */
export const TASK_HEADER_KEYS = [
  'lang',
  'task',
  'id',
  'shadow',
  'eta',
  'expires',
  'group',
  'group_index',
  'retries',
  'timelimit',
  'root_id',
  'parent_id',
  'argsrepr',
  'kwargsrepr',
  'origin',
  'ignore_result',
] as const;

const KNOWN_HEADERS: ReadonlySet<string> = new Set(TASK_HEADER_KEYS);

/** `[null, null]`, shared: nearly every message has no limit, decoded once per message. */
const NO_TIME_LIMITS: TimeLimits = Object.freeze([null, null] as const);

/** Keys that describe the body, not the task; kept out of `extraHeaders`. */
const BODY_HEADERS: ReadonlySet<string> = new Set(['compression']);

function time(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : formatIsoDate(value);
}

/**
 * The header table of a v2 message, keys in Celery's order. `argsrepr`/`kwargsrepr` must
 * be given here (the message encoder computes them).
 */
export function encodeTaskHeaders(init: TaskHeadersInit): Record<string, unknown> {
  const out: Record<string, unknown> = {
    lang: init.lang === undefined ? 'py' : init.lang,
    task: init.task,
    id: init.id,
    shadow: init.shadow ?? null,
    eta: time(init.eta),
    expires: time(init.expires),
    group: init.group ?? null,
    group_index: init.groupIndex ?? null,
    retries: init.retries ?? 0,
    timelimit: [...(init.timelimit ?? [null, null])],
    root_id: init.rootId === undefined ? init.id : init.rootId,
    parent_id: init.parentId ?? null,
    argsrepr: init.argsrepr ?? null,
    kwargsrepr: init.kwargsrepr ?? null,
    origin: init.origin ?? null,
    ignore_result: init.ignoreResult ?? false,
  };
  if (init.extraHeaders) {
    for (const [key, value] of Object.entries(init.extraHeaders)) {
      if (value !== undefined) out[key] = value;
    }
  }
  return out;
}

const isNone = (v: unknown): v is null | undefined => v === null || v === undefined;

function optString(h: Record<string, unknown>, key: string, where: string): string | null {
  const v = h[key];
  if (isNone(v)) return null;
  if (typeof v !== 'string') throw new DecodeError(`${where}.${key}`, 'expected a string or null');
  return v;
}

function requiredString(h: Record<string, unknown>, key: string, where: string): string {
  const v = h[key];
  if (isNone(v)) throw new DecodeError(`${where}.${key}`, 'missing');
  if (typeof v !== 'string' || v === '') {
    throw new DecodeError(`${where}.${key}`, 'expected a string');
  }
  return v;
}

function optInteger(h: Record<string, unknown>, key: string, where: string): number | null {
  const v = h[key];
  if (isNone(v)) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new DecodeError(`${where}.${key}`, 'expected an integer or null');
  }
  return v;
}

function limit(v: unknown, path: string): number | null {
  if (isNone(v)) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new DecodeError(path, 'expected seconds (a non-negative number) or null');
  }
  return v;
}

/**
 * Decode and check v2 headers (or a v1 body's fields, with `where = 'body'`). Throws
 * {@link DecodeError} naming the field, e.g. `headers.id: expected a string`.
 */
export function decodeTaskHeaders(
  h: Record<string, unknown>,
  where = 'headers',
  skip: ReadonlySet<string> = BODY_HEADERS,
): TaskHeaders {
  const retries = optInteger(h, 'retries', where) ?? 0;
  if (retries < 0) throw new DecodeError(`${where}.retries`, 'must not be negative');
  const tl = h['timelimit'];
  let timelimit: TimeLimits = NO_TIME_LIMITS;
  if (!isNone(tl)) {
    if (!Array.isArray(tl) || tl.length !== 2) {
      throw new DecodeError(`${where}.timelimit`, 'expected [hard, soft]');
    }
    const hard = limit(tl[0], `${where}.timelimit[0]`);
    const soft = limit(tl[1], `${where}.timelimit[1]`);
    if (hard !== null || soft !== null) timelimit = [hard, soft];
  }
  const ignore = h['ignore_result'];
  if (!isNone(ignore) && typeof ignore !== 'boolean') {
    throw new DecodeError(`${where}.ignore_result`, 'expected a boolean');
  }
  const extraHeaders: Record<string, unknown> = {};
  for (const key in h) {
    if (Object.hasOwn(h, key) && !KNOWN_HEADERS.has(key) && !skip.has(key)) {
      extraHeaders[key] = h[key];
    }
  }
  return {
    lang: optString(h, 'lang', where),
    task: requiredString(h, 'task', where),
    id: requiredString(h, 'id', where),
    shadow: optString(h, 'shadow', where),
    eta: parseOptionalIsoDate(h['eta'], `${where}.eta`),
    expires: parseOptionalIsoDate(h['expires'], `${where}.expires`),
    group: optString(h, 'group', where),
    groupIndex: optInteger(h, 'group_index', where),
    retries,
    timelimit,
    rootId: optString(h, 'root_id', where),
    parentId: optString(h, 'parent_id', where),
    argsrepr: optString(h, 'argsrepr', where),
    kwargsrepr: optString(h, 'kwargsrepr', where),
    origin: optString(h, 'origin', where),
    ignoreResult: ignore ?? false,
    extraHeaders,
  };
}

/** Celery's name for a process that is not a worker: `gen<pid>@<hostname>`. */
export function anonNodename(pid: number, hostname: string): string {
  return `gen${pid}@${hostname}`;
}
