/**
 * Serializers and the accept list, as kombu 5.2.4 applies them (`kombu/serialization.py`).
 * celeriac produces JSON only. It decodes JSON, and the raw types kombu always trusts
 * (`application/data` → bytes, `application/text` → string). pickle, yaml and msgpack
 * are refused before a byte of the body is looked at: pickle runs arbitrary code, and a
 * TypeScript process has no business decoding the others.
 */
import type { BrokerMessage } from './broker-message.js';
import { compress, decompress, type CompressionName, type CompressionType } from './compression.js';
import { ContentDisallowedError, DecodeError, EncodeError } from './errors.js';
import { encodeJson, parseJson } from './json.js';

/** Content types of kombu's serializers. */
export const ContentType = {
  json: 'application/json',
  pickle: 'application/x-python-serialize',
  yaml: 'application/x-yaml',
  msgpack: 'application/x-msgpack',
  data: 'application/data',
  text: 'application/text',
} as const;
/** One of the values of {@link ContentType}. */
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

/** Serializer names an accept list may use instead of content types (kombu's aliases). */
const SERIALIZER_ALIASES: Record<string, string> = {
  json: ContentType.json,
  pickle: ContentType.pickle,
  yaml: ContentType.yaml,
  msgpack: ContentType.msgpack,
};

/** Always trusted, whatever the accept list says (kombu's `trusted_content`). */
const TRUSTED: ReadonlySet<string> = new Set([ContentType.data, ContentType.text]);

/** The default accept list: JSON only (Celery's `accept_content = ['json']`). */
export const DEFAULT_ACCEPT: readonly string[] = [ContentType.json];

/** Character encodings a JSON body may declare; all are read as UTF-8 (kombu does too). */
const TEXT_ENCODINGS: ReadonlySet<string> = new Set([
  '',
  'utf-8',
  'utf8',
  'ascii',
  'us-ascii',
  'binary',
  'ascii-8bit',
]);

/** Options of {@link encodeBody}. */
export interface EncodeBodyOptions {
  /** Only `json` is produced. */
  serializer?: 'json';
  /** Compress the serialized bytes; kombu's names (`zlib` and `gzip` are both zlib). */
  compression?: CompressionName;
  /** Root of paths in {@link EncodeError} messages; default `body`. */
  path?: string;
}

/** A serialized body and the metadata that travels with it. */
export interface EncodedBody {
  body: Uint8Array;
  contentType: string;
  contentEncoding: string;
  /** Put this in the message's `compression` header when set. */
  compressionHeader?: CompressionType;
}

const utf8 = new TextEncoder();

/**
 * Serialize `value` as kombu 5.2.4 would (see `json.ts`) and optionally compress it.
 * Throws {@link EncodeError} naming the path of a value JSON cannot carry.
 */
export function encodeBody(value: unknown, options: EncodeBodyOptions = {}): EncodedBody {
  const serializer = options.serializer ?? 'json';
  if (serializer !== 'json') {
    throw new EncodeError('serializer', `celeriac only produces json, not ${String(serializer)}`);
  }
  return finishBody(encodeJson(value, options.path ?? 'body'), options.compression);
}

/** Wrap already-encoded JSON text (used where a body is assembled from parts). */
export function finishBody(json: string, compression?: CompressionName): EncodedBody {
  const bytes = utf8.encode(json);
  const out: EncodedBody = {
    body: bytes,
    contentType: ContentType.json,
    contentEncoding: 'utf-8',
  };
  if (compression !== undefined) {
    const packed = compress(bytes, compression);
    out.body = packed.body;
    out.compressionHeader = packed.header;
  }
  return out;
}

/** Options of {@link decodeBody}. */
export interface DecodeBodyOptions {
  /** Content types (or kombu serializer names) to accept; default `['application/json']`. */
  accept?: readonly string[];
  /** Cap on the decompressed size; default 64 MiB. */
  maxDecompressedBytes?: number;
}

/** Normalise an accept list of names and content types to content types. */
export function normalizeAccept(accept: readonly string[]): Set<string> {
  return new Set(accept.map((item) => SERIALIZER_ALIASES[item] ?? item));
}

const acceptSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** {@link normalizeAccept}, once per accept list (a worker passes the same list each time). */
function acceptSet(accept: readonly string[]): ReadonlySet<string> {
  let set = acceptSets.get(accept);
  if (set === undefined) {
    set = normalizeAccept(accept);
    acceptSets.set(accept, set);
  }
  return set;
}

/**
 * Check a message's content type against the accept list, decompress it by its
 * `compression` header and deserialize it. JSON gives the parsed value,
 * `application/data` the raw bytes, `application/text` a string.
 *
 * Throws {@link ContentDisallowedError} for a content type outside the list (checked
 * first, as a Celery worker does before rejecting without requeue), and
 * {@link DecodeError} for bad compression, undecodable bytes or malformed JSON.
 */
export function decodeBody(message: BrokerMessage, options: DecodeBodyOptions = {}): unknown {
  const accept = options.accept ?? DEFAULT_ACCEPT;
  const type = (message.contentType ?? '').toLowerCase();
  if (!TRUSTED.has(type) && !acceptSet(accept).has(type)) {
    throw new ContentDisallowedError(message.contentType, accept);
  }
  let bytes = message.body;
  const compression = message.headers['compression'];
  if (compression !== undefined && compression !== null) {
    if (typeof compression !== 'string') {
      throw new DecodeError('headers.compression', 'expected a string');
    }
    bytes = decompress(bytes, compression, options.maxDecompressedBytes);
  }
  switch (type) {
    case ContentType.json: {
      const encoding = (message.contentEncoding ?? '').toLowerCase();
      if (!TEXT_ENCODINGS.has(encoding)) {
        throw new DecodeError(
          'contentEncoding',
          `JSON in ${JSON.stringify(message.contentEncoding)} is not supported (expected utf-8)`,
        );
      }
      return parseJson(bytes, 'body');
    }
    case ContentType.data:
      return bytes;
    case ContentType.text:
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch (cause) {
        throw new DecodeError('body', 'application/text body is not valid UTF-8', { cause });
      }
    default:
      throw new DecodeError(
        'contentType',
        `${JSON.stringify(message.contentType)} is accepted but celeriac has no decoder for it ` +
          '(only JSON, application/data and application/text)',
      );
  }
}
