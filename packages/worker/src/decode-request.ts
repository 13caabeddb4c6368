/**
 * Delivery → {@link TaskRequest}: the protocol's `decodeBody` (accept list,
 * decompression, JSON), then protocol v2 (v1 bodies converted), `eta`/`expires` parsed.
 * Errors say what was wrong and where (`DecodeError.path`).
 */
import {
  argsRepr,
  decodeBody,
  DecodeError,
  kwargsRepr,
  type BrokerMessage,
  type Delivery,
} from '@celeriac/protocol';
import type { Acknowledgement } from './acknowledgement.js';
import { RequestPhase, type TaskRequest } from './task-request.js';

/** Options of {@link decodeRequest}. */
export interface DecodeRequestOptions {
  accept: readonly string[];
  now: number;
  makeAck: (delivery: Delivery) => Acknowledgement;
}

/** Task name and id from the headers (or a v1 body), for logging a refused message. */
export function peekHeaders(message: BrokerMessage): { id?: string; name?: string } {
  const h = message.headers;
  const out: { id?: string; name?: string } = {};
  if (typeof h.id === 'string') out.id = h.id;
  if (typeof h.task === 'string') out.name = h.task;
  return out;
}

/** Parse an ISO-8601 time; naive times are UTC (Celery's `maybe_make_aware`). */
export function parseIsoTime(value: unknown, path: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new DecodeError(path, 'expected an ISO-8601 string or null');
  const naive = !/(Z|[+-]\d\d:?\d\d)$/i.test(value);
  const ms = Date.parse(naive ? `${value}Z` : value);
  if (Number.isNaN(ms))
    throw new DecodeError(path, `${JSON.stringify(value)} is not an ISO-8601 time`);
  return ms;
}

const str = (v: unknown, path: string): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new DecodeError(path, 'expected a string or null');
  return v;
};
const num = (v: unknown, path: string): number | null => {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number') throw new DecodeError(path, 'expected a number or null');
  return v;
};
const list = (v: unknown, path: string): unknown[] | null => {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new DecodeError(path, 'expected an array or null');
  return v as unknown[];
};

/** Decode a delivery into a request; throws `DecodeError` / `ContentDisallowedError`. */
export function decodeRequest(delivery: Delivery, options: DecodeRequestOptions): TaskRequest {
  const message = delivery.message;
  const body = decodeBody(message, { accept: options.accept });
  let h: Record<string, unknown> = message.headers;
  let args: unknown;
  let kwargs: unknown;
  let embed: Record<string, unknown> = {};
  let where = 'headers';
  if (typeof h.task === 'string') {
    if (!Array.isArray(body) || body.length < 2) {
      throw new DecodeError('body', 'expected [args, kwargs, embed]');
    }
    args = body[0] as unknown;
    kwargs = body[1] as unknown;
    const e: unknown = body[2];
    if (e !== undefined && e !== null) {
      if (typeof e !== 'object' || Array.isArray(e))
        throw new DecodeError('body[2]', 'expected an object');
      embed = e as Record<string, unknown>;
    }
  } else if (body && typeof body === 'object' && !Array.isArray(body) && 'task' in body) {
    // Protocol v1: everything in the body.
    const b = body as Record<string, unknown>;
    where = 'body';
    h = { ...message.headers, ...b, group: b.taskset ?? b.group, root_id: b.id };
    args = b.args ?? [];
    kwargs = b.kwargs ?? {};
    embed = { callbacks: b.callbacks, errbacks: b.errbacks, chord: b.chord, chain: null };
  } else {
    throw new DecodeError('headers.task', 'missing: not a Celery task message');
  }
  const name = str(h.task, `${where}.task`);
  const id = str(h.id, `${where}.id`);
  if (!name) throw new DecodeError(`${where}.task`, 'missing');
  if (!id) throw new DecodeError(`${where}.id`, 'missing');
  if (!Array.isArray(args))
    throw new DecodeError(
      where === 'body' ? 'body.args' : 'body[0]',
      'expected an array of arguments',
    );
  if (!kwargs || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new DecodeError(
      where === 'body' ? 'body.kwargs' : 'body[1]',
      'expected an object of keyword arguments',
    );
  }
  const tl = list(h.timelimit, `${where}.timelimit`);
  const timeLimit =
    tl === null
      ? undefined
      : ([num(tl[0], `${where}.timelimit[0]`), num(tl[1], `${where}.timelimit[1]`)] as const);
  const props = message.properties;
  return {
    id,
    name,
    shadow: str(h.shadow, `${where}.shadow`),
    args,
    kwargs: kwargs as Record<string, unknown>,
    retries: num(h.retries, `${where}.retries`) ?? 0,
    eta: parseIsoTime(h.eta, `${where}.eta`),
    expires: parseIsoTime(h.expires, `${where}.expires`),
    timeLimit,
    rootId: str(h.root_id, `${where}.root_id`) ?? id,
    parentId: str(h.parent_id, `${where}.parent_id`),
    groupId: str(h.group, `${where}.group`),
    groupIndex: num(h.group_index, `${where}.group_index`),
    ignoreResult: h.ignore_result === true,
    argsrepr: typeof h.argsrepr === 'string' ? h.argsrepr : argsRepr(args),
    kwargsrepr:
      typeof h.kwargsrepr === 'string'
        ? h.kwargsrepr
        : kwargsRepr(kwargs as Record<string, unknown>),
    headers: message.headers,
    callbacks: list(embed.callbacks, 'body[2].callbacks'),
    errbacks: list(embed.errbacks, 'body[2].errbacks'),
    chain: list(embed.chain, 'body[2].chain'),
    chord: embed.chord ?? null,
    replyTo: props.replyTo,
    correlationId: props.correlationId,
    priority: props.priority ?? 0,
    message,
    delivery,
    ack: options.makeAck(delivery),
    receivedAt: options.now,
    phase: RequestPhase.received,
    timeStart: null,
    controller: null,
  };
}
