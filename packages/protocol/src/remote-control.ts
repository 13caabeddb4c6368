/**
 * Remote control over the pidbox (celery-wire.md §6): requests broadcast on the fanout
 * exchange `celery.pidbox`, replies sent to `reply.celery.pidbox` with the caller's oid
 * as routing key. This is what `celery inspect ping|active|stats` and `celery control`
 * speak; field names are kombu's.
 */
import type { BrokerMessage } from './broker-message.js';
import { signControlRequest, type ControlKey } from './control-auth.js';
import { DecodeError } from './errors.js';
import { encodeJson } from './json.js';
import { decodeBody, type DecodeBodyOptions } from './serialization.js';

/** Exchange and queue names of the `celery` mailbox (`control_exchange = 'celery'`). */
export const Pidbox = {
  exchange: 'celery.pidbox',
  replyExchange: 'reply.celery.pidbox',
  /** A worker's request queue. */
  queue: (nodename: string) => `${nodename}.celery.pidbox`,
  /** A caller's reply queue. */
  replyQueue: (oid: string) => `${oid}.reply.celery.pidbox`,
} as const;

/** A remote-control request. */
export interface ControlRequest {
  /** Command name: `ping`, `active`, `revoke`, … */
  method: string;
  /** Keyword arguments of the command. */
  arguments: Record<string, unknown>;
  /** Only these nodes act; null = everyone (subject to `pattern`). */
  destination: string[] | null;
  /** With `matcher`: nodes whose name matches act. */
  pattern: string | null;
  /** `glob` (default) or `pcre`. */
  matcher: string | null;
  /** Present when the caller waits for replies. */
  ticket?: string;
  replyTo?: { exchange: string; routingKey: string };
}

/** Options of {@link encodeControlRequest}. */
export interface EncodeControlRequestOptions {
  /** The caller's Lamport clock. */
  clock: number;
  /** Seconds the caller waits; becomes the `expires` header (unix seconds), 0 when none. */
  timeout?: number;
  /** Unix ms; default now. */
  now?: number;
  /**
   * The cluster's control key: when given, the request is signed (`control-auth.ts`), so
   * celeriac workers run it even if it changes them. Python workers ignore the signature.
   */
  key?: ControlKey;
}

/**
 * The request message as kombu's `Mailbox._publish` builds it: body
 * `{method, arguments, destination, pattern, matcher[, ticket, reply_to]}`, headers
 * `{clock, expires}` (plus `celeriac_signature` with `key`), delivery mode 2. Publish to
 * {@link Pidbox}.exchange with key `""`.
 */
export function encodeControlRequest(
  request: ControlRequest,
  options: EncodeControlRequestOptions,
): BrokerMessage {
  const body: Record<string, unknown> = {
    method: request.method,
    arguments: request.arguments,
    destination: request.destination,
    pattern: request.pattern,
    matcher: request.matcher,
  };
  if (request.ticket !== undefined) {
    body['ticket'] = request.ticket;
    body['reply_to'] = {
      exchange: request.replyTo?.exchange ?? Pidbox.replyExchange,
      routing_key: request.replyTo?.routingKey ?? '',
    };
  }
  const now = options.now ?? Date.now();
  const message: BrokerMessage = {
    body: new TextEncoder().encode(encodeJson(body, 'body')),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: {
      clock: options.clock,
      expires: options.timeout ? now / 1000 + options.timeout : 0,
    },
    properties: { deliveryMode: 2, priority: 0 },
  };
  return options.key === undefined ? message : signControlRequest(message, options.key, { now });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optString(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new DecodeError(`body.${key}`, 'expected a string or null');
  return value;
}

/**
 * Decode a pidbox request; throws {@link DecodeError} naming the bad field (or an
 * `InputLimitError` past the bounds of `options`, `decodeBody`'s).
 */
export function decodeControlRequest(
  message: BrokerMessage,
  options: DecodeBodyOptions = {},
): ControlRequest {
  const body = decodeBody(message, options);
  if (!isRecord(body)) throw new DecodeError('body', 'expected an object');
  if (typeof body['method'] !== 'string' || body['method'] === '') {
    throw new DecodeError('body.method', 'expected a command name');
  }
  const args = body['arguments'] ?? {};
  if (!isRecord(args)) throw new DecodeError('body.arguments', 'expected an object');
  let destination: string[] | null = null;
  const d = body['destination'];
  if (typeof d === 'string') destination = [d];
  else if (Array.isArray(d)) {
    destination = d.map((node, i) => {
      if (typeof node !== 'string')
        throw new DecodeError(`body.destination[${i}]`, 'expected a string');
      return node;
    });
  } else if (d !== null && d !== undefined) {
    throw new DecodeError('body.destination', 'expected a list of node names or null');
  }
  const request: ControlRequest = {
    method: body['method'],
    arguments: args,
    destination,
    pattern: optString(body, 'pattern'),
    matcher: optString(body, 'matcher'),
  };
  const ticket = optString(body, 'ticket');
  if (ticket !== null) request.ticket = ticket;
  const reply = body['reply_to'];
  if (reply !== null && reply !== undefined) {
    if (!isRecord(reply) || typeof reply['routing_key'] !== 'string') {
      throw new DecodeError('body.reply_to', 'expected {exchange, routing_key}');
    }
    request.replyTo = {
      exchange: typeof reply['exchange'] === 'string' ? reply['exchange'] : Pidbox.replyExchange,
      routingKey: reply['routing_key'],
    };
  }
  return request;
}

/** Python's `fnmatch` pattern as a RegExp (`*`, `?`, `[seq]`, `[!seq]`). */
function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i]!;
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        let set = pattern.slice(i + 1, end).replaceAll('\\', '\\\\');
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        out += `[${set}]`;
        i = end;
      }
    } else out += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`, 's');
}

/**
 * Whether the node `hostname` should act on `request` (kombu `Node.handle_message`):
 * listed in `destination` if given; else matching `pattern` with `matcher` (`glob` =
 * fnmatch, `pcre` = `re.match`, anchored at the start only) if both are given; else yes.
 */
export function matchesDestination(request: ControlRequest, hostname: string): boolean {
  if (request.destination !== null) return request.destination.includes(hostname);
  if (request.pattern !== null && request.matcher !== null) {
    if (request.matcher === 'glob') return globToRegExp(request.pattern).test(hostname);
    if (request.matcher === 'pcre') {
      try {
        return new RegExp(`^(?:${request.pattern})`).test(hostname);
      } catch {
        return false;
      }
    }
    return false;
  }
  return true;
}

/** A reply as the caller receives it. */
export interface ControlReply {
  /** The replying node. */
  hostname: string;
  value: unknown;
  ticket: string;
  clock: number | null;
}

/**
 * A reply message: body `{<hostname>: value}`, headers `{ticket, clock}`, delivery mode
 * 1. Publish to {@link Pidbox}.replyExchange with the request's `reply_to.routing_key`.
 */
export function encodeControlReply(
  hostname: string,
  value: unknown,
  headers: { ticket: string; clock: number },
): BrokerMessage {
  return {
    body: new TextEncoder().encode(encodeJson({ [hostname]: value ?? null }, 'body')),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { ticket: headers.ticket, clock: headers.clock },
    properties: { deliveryMode: 1, priority: 0 },
  };
}

/** Decode a reply; throws {@link DecodeError} when it is not `{node: value}` with a ticket. */
export function decodeControlReply(message: BrokerMessage): ControlReply {
  const ticket = message.headers['ticket'];
  if (typeof ticket !== 'string') throw new DecodeError('headers.ticket', 'expected a string');
  const body = decodeBody(message);
  if (!isRecord(body)) throw new DecodeError('body', 'expected {node: reply}');
  const entries = Object.entries(body);
  if (entries.length !== 1) throw new DecodeError('body', 'expected exactly one node');
  const [hostname, value] = entries[0]!;
  const clock = message.headers['clock'];
  return { hostname, value, ticket, clock: typeof clock === 'number' ? clock : null };
}

/** `{ok: value}`, Celery's success reply. */
export function okReply<T>(value: T): { ok: T } {
  return { ok: value };
}

/** `{error: value}`, Celery's failure reply (e.g. `KeyError('nosuch_cmd')`). */
export function errorReply<T>(value: T): { error: T } {
  return { error: value };
}
