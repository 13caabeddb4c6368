/**
 * Serializers and the accept list, as kombu 5.2.4 applies them (`kombu/serialization.py`).
 * celeriac produces JSON only. It decodes JSON, and the raw types kombu always trusts
 * (`application/data` → bytes, `application/text` → string). pickle, yaml and msgpack
 * are refused before a byte of the body is looked at: pickle runs arbitrary code, and a
 * TypeScript process has no business decoding the others.
 */
import { AuthContent, type AuthSerializer } from './auth-serializer.js';
import type { BrokerMessage } from './broker-message.js';
import {
  compress,
  decompress,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type CompressionName,
  type CompressionType,
} from './compression.js';
import {
  ContentDisallowedError,
  DecodeError,
  EncodeError,
  InputLimit,
  InputLimitError,
  SignatureError,
  SignatureRefusal,
} from './errors.js';
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
  /** Sign the body with Celery's `auth` serializer (before compressing, as kombu does). */
  auth?: AuthSerializer;
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
  return finishBody(encodeJson(value, options.path ?? 'body'), options.compression, options.auth);
}

/**
 * Wrap already-encoded JSON text (used where a body is assembled from parts): sign it
 * when `auth` is given (the body becomes `application/data`), then compress it.
 */
export function finishBody(
  json: string,
  compression?: CompressionName,
  auth?: AuthSerializer,
): EncodedBody {
  const bytes = utf8.encode(json);
  const out: EncodedBody =
    auth === undefined
      ? { body: bytes, contentType: ContentType.json, contentEncoding: 'utf-8' }
      : {
          body: auth.sign(bytes, ContentType.json, 'utf-8'),
          contentType: AuthContent.type,
          contentEncoding: AuthContent.encoding,
        };
  if (compression !== undefined) {
    const packed = compress(out.body, compression);
    out.body = packed.body;
    out.compressionHeader = packed.header;
  }
  return out;
}

/** Default cap on a body's size, as it arrives and once decompressed: 64 MiB. */
export const DEFAULT_MAX_BODY_BYTES = DEFAULT_MAX_DECOMPRESSED_BYTES;

/** Options of {@link decodeBody}. */
export interface DecodeBodyOptions {
  /** Content types (or kombu serializer names) to accept; default `['application/json']`. */
  accept?: readonly string[];
  /**
   * Refuse a body larger than this many bytes, as it arrived (compressed or not) and once
   * decompressed; default 64 MiB. The worker's `maxMessageBytes`.
   */
  maxMessageBytes?: number;
  /** Cap on the decompressed size alone; default `maxMessageBytes`. */
  maxDecompressedBytes?: number;
  /** Refuse JSON nesting deeper than this, before parsing it; default 512. */
  maxJsonDepth?: number;
  /**
   * Accept only bodies signed with Celery's `auth` serializer and verified against its
   * certificate store (the accept list is then not used: like Celery with
   * `accept_content = ['auth']`, nothing unsigned is decoded).
   */
  auth?: AuthSerializer;
}

/** A decoded body, and who signed it when it was signed. */
export interface DecodedBody {
  value: unknown;
  /** The signer's certificate id, for a body verified by the `auth` serializer. */
  signer?: string;
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
 * first, as a Celery worker does before rejecting without requeue),
 * `InputLimitError` for a body over `maxMessageBytes` (as it arrived or once
 * decompressed) or JSON nested deeper than `maxJsonDepth`, `SignatureError` when `auth`
 * is given and the body is unsigned or fails verification, and {@link DecodeError} for
 * bad compression, undecodable bytes or malformed JSON.
 */
export function decodeBody(message: BrokerMessage, options: DecodeBodyOptions = {}): unknown {
  return decodeSignedBody(message, options).value;
}

function decodeJson(bytes: Uint8Array, encoding: string, maxDepth: number | undefined): unknown {
  if (!TEXT_ENCODINGS.has(encoding.toLowerCase())) {
    throw new DecodeError(
      'contentEncoding',
      `JSON in ${JSON.stringify(encoding)} is not supported (expected utf-8)`,
    );
  }
  return parseJson(bytes, 'body', maxDepth === undefined ? {} : { maxDepth });
}

/** {@link decodeBody}, also saying who signed the body when `auth` verified it. */
export function decodeSignedBody(
  message: BrokerMessage,
  options: DecodeBodyOptions = {},
): DecodedBody {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (message.body.byteLength > maxBytes) {
    throw new InputLimitError(
      'body',
      InputLimit.messageBytes,
      maxBytes,
      `${message.body.byteLength} bytes is over the limit of ${maxBytes} bytes`,
    );
  }
  const type = (message.contentType ?? '').toLowerCase();
  const auth = options.auth;
  if (auth !== undefined) {
    if (type !== AuthContent.type) {
      throw new SignatureError(
        SignatureRefusal.unsigned,
        `unsigned message (content type ${JSON.stringify(message.contentType)}); only ` +
          "messages signed with Celery's auth serializer are accepted",
      );
    }
  } else {
    const accept = options.accept ?? DEFAULT_ACCEPT;
    if (!TRUSTED.has(type) && !acceptSet(accept).has(type)) {
      throw new ContentDisallowedError(message.contentType, accept);
    }
  }
  let bytes = message.body;
  const compression = message.headers['compression'];
  if (compression !== undefined && compression !== null) {
    if (typeof compression !== 'string') {
      throw new DecodeError('headers.compression', 'expected a string');
    }
    bytes = decompress(bytes, compression, options.maxDecompressedBytes ?? maxBytes);
  }
  if (auth !== undefined) {
    const signed = auth.verify(bytes);
    if (signed.contentType.toLowerCase() !== ContentType.json) {
      throw new ContentDisallowedError(signed.contentType, [ContentType.json]);
    }
    const value = decodeJson(signed.body, signed.contentEncoding, options.maxJsonDepth);
    return { value, signer: signed.signer };
  }
  switch (type) {
    case ContentType.json:
      return {
        value: decodeJson(bytes, message.contentEncoding ?? '', options.maxJsonDepth),
      };
    case ContentType.data:
      return { value: bytes };
    case ContentType.text:
      try {
        return { value: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
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
