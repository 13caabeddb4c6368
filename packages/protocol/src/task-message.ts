/**
 * Task messages (celery-wire.md §1): encoded as Celery 5.2.6 publishes protocol v2 —
 * headers in `as_task_v2` order, properties as kombu sets them, body
 * `[args, kwargs, {callbacks, errbacks, chain, chord}]` in kombu's JSON — and decoded from
 * v2, v1 (everything in a JSON object body) and hybrid (v1 body + v2 headers) messages,
 * as a 5.2 worker accepts them.
 */
import type { AuthSerializer } from './auth-serializer.js';
import type { BrokerMessage, MessageProperties } from './broker-message.js';
import type { CompressionName } from './compression.js';
import { parseIsoDate } from './dates.js';
import { DecodeError } from './errors.js';
import { encodeJson } from './json.js';
import { argsRepr, kwargsRepr } from './saferepr.js';
import { decodeSignedBody, finishBody, type DecodeBodyOptions } from './serialization.js';
import { decodeSignature, decodeSignatureList, type SignatureJson } from './signature.js';
import {
  decodeTaskHeaders,
  encodeTaskHeaders,
  type TaskHeaders,
  type TaskHeadersInit,
} from './task-headers.js';

/** The canvas parts a task carries: what runs after it. */
export interface TaskEmbed {
  /** `link=` signatures, run with this task's result. */
  callbacks: SignatureJson[] | null;
  /** `link_error=` signatures. */
  errbacks: SignatureJson[] | null;
  /** The rest of a chain, **reversed**: the worker pops the last one as the next task. */
  chain: SignatureJson[] | null;
  /** A chord's body, sent when the last header task finishes. */
  chord: SignatureJson | null;
}

/** Which form a message arrived in. */
export const TaskProtocol = {
  v2: 'v2',
  v1: 'v1',
  /** v1 body with v2 headers (Celery 3.1→4 transition senders). */
  hybrid: 'hybrid',
} as const;
/** One of the values of {@link TaskProtocol}. */
export type TaskProtocol = (typeof TaskProtocol)[keyof typeof TaskProtocol];

/** A decoded task message. */
export interface TaskMessage {
  protocol: TaskProtocol;
  headers: TaskHeaders;
  properties: MessageProperties;
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: TaskEmbed;
  /** The `compression` header the body arrived with, if any. */
  compression?: string;
  /** The signer's certificate id, when the body was verified by the `auth` serializer. */
  signer?: string;
}

/** What {@link encodeTaskMessage} takes: the decoded shape, with Celery's defaults. */
export interface TaskMessageInit {
  headers: TaskHeadersInit;
  properties?: MessageProperties;
  args?: readonly unknown[];
  kwargs?: Record<string, unknown>;
  embed?: Partial<TaskEmbed>;
}

/** Options of {@link encodeTaskMessage}. */
export interface EncodeTaskMessageOptions {
  /** Compress the body (kombu's names; Celery's `compression=` option). */
  compression?: CompressionName;
  /** "Now", for the `expiration` TTL computed from `expires`; default the current time. */
  now?: Date;
  /** Sign the body with Celery's `auth` serializer (`task_serializer = 'auth'`). */
  auth?: AuthSerializer;
}

/**
 * Build the broker message Celery 5.2.6 would publish for this task: headers in its
 * order (extra headers after them, `compression` last), properties `correlation_id` = id,
 * `reply_to` (`''` when none, as Celery sends), `delivery_mode` 2, `priority` 0 unless
 * given, `expiration` = milliseconds until `expires` as a string (kombu's TTL; `"0"`
 * when already past), and a JSON body. `argsrepr`/`kwargsrepr` default to Celery's
 * `saferepr`. Throws `EncodeError` naming `args[…]`/`kwargs.…` for unencodable values.
 */
export function encodeTaskMessage(
  init: TaskMessageInit,
  options: EncodeTaskMessageOptions = {},
): BrokerMessage {
  const args = init.args ?? [];
  const kwargs = init.kwargs ?? {};
  const embed = init.embed ?? {};
  // Assembled from parts so that EncodeError paths say args[1] rather than body[0][1].
  const json =
    `[${encodeJson(args, 'args')}, ${encodeJson(kwargs, 'kwargs')}, ` +
    encodeJson(
      {
        callbacks: embed.callbacks ?? null,
        errbacks: embed.errbacks ?? null,
        chain: embed.chain ?? null,
        chord: embed.chord ?? null,
      },
      'embed',
    ) +
    ']';
  const body = finishBody(json, options.compression, options.auth);
  const headers = encodeTaskHeaders({
    ...init.headers,
    argsrepr: init.headers.argsrepr ?? argsRepr(args),
    kwargsrepr: init.headers.kwargsrepr ?? kwargsRepr(kwargs),
  });
  if (body.compressionHeader !== undefined) headers['compression'] = body.compressionHeader;

  const given = init.properties ?? {};
  const properties: MessageProperties = {
    correlationId: init.headers.id,
    replyTo: given.replyTo ?? '',
    deliveryMode: given.deliveryMode ?? 2,
  };
  const expiration = given.expiration ?? expirationOf(init.headers.expires, options.now);
  if (expiration !== undefined) properties.expiration = expiration;
  properties.priority = given.priority ?? 0;
  if (given.extra !== undefined) properties.extra = { ...given.extra };
  return {
    body: body.body,
    contentType: body.contentType,
    contentEncoding: body.contentEncoding,
    headers,
    properties,
  };
}

function expirationOf(
  expires: Date | string | null | undefined,
  now: Date = new Date(),
): string | undefined {
  if (expires === null || expires === undefined) return undefined;
  const at = typeof expires === 'string' ? parseIsoDate(expires, 'headers.expires') : expires;
  return String(Math.max(0, Math.floor(at.getTime() - now.getTime())));
}

/**
 * Options of {@link decodeTaskMessage}: the accept list, the bounds on hostile input
 * (`maxMessageBytes`, `maxDecompressedBytes`, `maxJsonDepth`) and `auth` for signed
 * messages, as for `decodeBody`.
 */
export type DecodeTaskMessageOptions = DecodeBodyOptions;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeEmbed(value: unknown, path: string): TaskEmbed {
  if (value === null || value === undefined) {
    return { callbacks: null, errbacks: null, chain: null, chord: null };
  }
  if (!isRecord(value)) throw new DecodeError(path, 'embed must be an object');
  return {
    callbacks: decodeSignatureList(value['callbacks'], `${path}.callbacks`),
    errbacks: decodeSignatureList(value['errbacks'], `${path}.errbacks`),
    chain: decodeSignatureList(value['chain'], `${path}.chain`),
    chord:
      value['chord'] === null || value['chord'] === undefined
        ? null
        : decodeSignature(value['chord'], `${path}.chord`),
  };
}

/** v1 body keys that are not headers. */
const V1_BODY_ONLY: ReadonlySet<string> = new Set([
  'args',
  'kwargs',
  'callbacks',
  'errbacks',
  'chord',
  'taskset',
  'utc',
  'compression',
]);

/**
 * Decode a task message: accept-list check, decompression, JSON, then v2
 * (`task` in the headers, body `[args, kwargs, embed]`), hybrid (`task` in the headers,
 * body an object with `args`) or v1 (no `task` header; the body object holds everything).
 * Extra header and property keys are kept; an empty embed `{}` is fine. Refusals are
 * `ContentDisallowedError` or `DecodeError` naming the field, e.g.
 * `body: expected [args, kwargs, embed]`, `body[0]: args must be an array`.
 */
export function decodeTaskMessage(
  message: BrokerMessage,
  options: DecodeTaskMessageOptions = {},
): TaskMessage {
  const { value: body, signer } = decodeSignedBody(message, options);
  if (body instanceof Uint8Array) {
    throw new DecodeError(
      'body',
      "application/data bytes are not a task body (a message signed with Celery's auth " +
        'serializer is decoded with the auth option)',
    );
  }
  const raw = message.headers;
  if ('task' in raw && !(isRecord(body) && 'args' in body)) {
    if (!Array.isArray(body) || body.length < 2 || body.length > 3) {
      throw new DecodeError('body', 'expected [args, kwargs, embed]');
    }
    const [args, kwargs, embed] = body as [unknown, unknown, unknown];
    if (!Array.isArray(args)) throw new DecodeError('body[0]', 'args must be an array');
    if (!isRecord(kwargs)) throw new DecodeError('body[1]', 'kwargs must be an object');
    return withBase(
      {
        protocol: TaskProtocol.v2,
        headers: decodeTaskHeaders(raw, 'headers'),
        args,
        kwargs,
        embed: decodeEmbed(embed, 'body[2]'),
        properties: message.properties,
      },
      raw,
      signer,
    );
  }
  if (Array.isArray(body)) {
    throw new DecodeError('headers.task', 'missing: a v2 body without a task header');
  }
  if (!isRecord(body)) {
    throw new DecodeError(
      'body',
      'expected [args, kwargs, embed] (protocol v2) or a task object (protocol v1)',
    );
  }
  const hybrid = 'task' in raw;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!V1_BODY_ONLY.has(key)) fields[key] = value;
  }
  if (!('group' in fields) && body['taskset'] !== undefined) fields['group'] = body['taskset'];
  const merged = hybrid ? { ...fields, ...raw } : { ...raw, ...fields };
  const args = body['args'] ?? [];
  const kwargs = body['kwargs'] ?? {};
  if (!Array.isArray(args)) throw new DecodeError('body.args', 'args must be an array');
  if (!isRecord(kwargs)) throw new DecodeError('body.kwargs', 'kwargs must be an object');
  const headers = decodeTaskHeaders(merged, hybrid ? 'headers' : 'body');
  if (headers.eta !== null || headers.expires !== null) {
    // v1's `utc: false` meant local time; we cannot know the sender's zone, so say so.
    if (body['utc'] === false) {
      throw new DecodeError('body.utc', 'non-UTC v1 eta/expires are not supported');
    }
  }
  return withBase(
    {
      protocol: hybrid ? TaskProtocol.hybrid : TaskProtocol.v1,
      headers: { ...headers, rootId: headers.rootId ?? headers.id },
      args,
      kwargs,
      embed: {
        callbacks: decodeSignatureList(body['callbacks'], 'body.callbacks'),
        errbacks: decodeSignatureList(body['errbacks'], 'body.errbacks'),
        chain: null,
        chord:
          body['chord'] === null || body['chord'] === undefined
            ? null
            : decodeSignature(body['chord'], 'body.chord'),
      },
      properties: message.properties,
    },
    raw,
    signer,
  );
}

/**
 * `compression` and `signer` added to a decoded message when present: set on the one
 * object rather than spread from others, as this runs once per message a worker takes.
 */
function withBase(
  decoded: TaskMessage,
  raw: Record<string, unknown>,
  signer: string | undefined,
): TaskMessage {
  const compression = raw['compression'];
  if (typeof compression === 'string') decoded.compression = compression;
  if (signer !== undefined) decoded.signer = signer;
  return decoded;
}
