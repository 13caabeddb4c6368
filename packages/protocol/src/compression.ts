/**
 * Body compression as kombu 5.2.4 signals it: the `compression` header holds a MIME type
 * and the body is the compressed serialized bytes (content type and encoding still
 * describe the uncompressed payload).
 *
 * kombu registers `application/x-gzip` with aliases `gzip` and `zlib`, and compresses it
 * with Python's `zlib.compress`: despite the name it is a **zlib** stream (RFC 1950,
 * `78 9c …`), not gzip. We write that, and when reading also accept a real gzip stream
 * under the same header (recognised by its `1f 8b` magic), since other producers mix the
 * two up.
 *
 * Synchronous zlib on purpose: task bodies are small, and decoding runs inside the
 * synchronous decode path of every message; the thread-pool round trip of the async API
 * would cost more than the (de)compression itself and make every decoder async.
 *
 * Decompression is capped, and a bomb must not cost memory on its way to the refusal:
 * zlib and gzip bodies are sized first without inflating (`inflated-size.ts`), so a body
 * that would inflate past the cap is refused having allocated nothing, and an accepted
 * one is inflated into one buffer of its exact size. Brotli and zstd streams cannot be
 * sized without decoding them; they are inflated with Node's `maxOutputLength`, which
 * stops at the cap having allocated at most the cap.
 */
import * as zlib from 'node:zlib';
import { DecodeError, EncodeError, InputLimit, InputLimitError } from './errors.js';
import { inflatedSize, OVER_LIMIT, UNREADABLE } from './inflated-size.js';

/** The `compression` header values celeriac writes. */
export const CompressionType = {
  /** kombu's `zlib`/`gzip`: a zlib stream under Celery's historical gzip name. */
  zlib: 'application/x-gzip',
  brotli: 'application/x-brotli',
  /** kombu's `zstd` (Python needs the `zstandard` package); Node 22.15 or later. */
  zstd: 'application/zstd',
} as const;
/** One of the values of {@link CompressionType}. */
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** Names accepted by {@link compress}: kombu's aliases. */
export type CompressionName = 'zlib' | 'gzip' | 'brotli' | 'zstd' | CompressionType;

const ALIASES: Record<string, CompressionType> = {
  zlib: CompressionType.zlib,
  gzip: CompressionType.zlib,
  'application/x-gzip': CompressionType.zlib,
  brotli: CompressionType.brotli,
  'application/x-brotli': CompressionType.brotli,
  zstd: CompressionType.zstd,
  zstandard: CompressionType.zstd,
  'application/zstd': CompressionType.zstd,
};

/** kombu names we know but cannot decode here (no implementation in Node). */
const UNSUPPORTED: Record<string, string> = {
  'application/x-bz2': 'bzip2',
  bzip2: 'bzip2',
  bzip: 'bzip2',
  'application/x-lzma': 'lzma',
  lzma: 'lzma',
  xz: 'lzma',
};

/** Default cap on a decompressed body: 64 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * Bodies whose worst case (deflate expands at most 1032:1) stays under this are inflated
 * directly: sizing them first would cost more than the little they can allocate.
 */
const SIZE_FIRST_ABOVE = 1024 * 1024;
const DEFLATE_MAX_RATIO = 1032;

/** Node's zstd functions (22.15+, 23.8+), looked up so older Nodes still load this module. */
const zstd =
  typeof zlib.zstdCompressSync === 'function' && typeof zlib.zstdDecompressSync === 'function'
    ? { compress: zlib.zstdCompressSync, decompress: zlib.zstdDecompressSync }
    : undefined;

/** The canonical header value for a compression name, or undefined if unknown. */
export function compressionType(name: string): CompressionType | undefined {
  return ALIASES[name.toLowerCase()];
}

function bytes(out: Buffer): Uint8Array {
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Compress `body`; returns the bytes and the `compression` header value to send. */
export function compress(
  body: Uint8Array,
  name: CompressionName,
): { body: Uint8Array; header: CompressionType } {
  const header = compressionType(name);
  if (header === undefined) {
    throw new EncodeError('compression', `unknown compression ${JSON.stringify(name)}`);
  }
  switch (header) {
    case CompressionType.zlib:
      return { body: bytes(zlib.deflateSync(body)), header };
    case CompressionType.brotli:
      return { body: bytes(zlib.brotliCompressSync(body)), header };
    case CompressionType.zstd:
      if (zstd === undefined) {
        throw new EncodeError('compression', `zstd needs Node 22.15 or later (${process.version})`);
      }
      return { body: bytes(zstd.compress(body)), header };
  }
}

function tooLarge(maxBytes: number, cause?: unknown): InputLimitError {
  return new InputLimitError(
    'body',
    InputLimit.decompressedBytes,
    maxBytes,
    `decompresses to more than ${maxBytes} bytes`,
    cause === undefined ? undefined : { cause },
  );
}

/** Inflate a zlib or gzip body, sized first when it could be large (see the module comment). */
function inflate(body: Uint8Array, maxBytes: number): Buffer {
  const gzip = body[0] === 0x1f && body[1] === 0x8b;
  const options: zlib.ZlibOptions = { maxOutputLength: maxBytes };
  if (body.byteLength * DEFLATE_MAX_RATIO > Math.min(maxBytes, SIZE_FIRST_ABOVE)) {
    const size = inflatedSize(body, gzip ? 'gzip' : 'zlib', maxBytes);
    if (size === OVER_LIMIT) throw tooLarge(maxBytes);
    // One output buffer of the exact size (+1, or zlib asks for another chunk to find
    // the end). An unreadable stream goes to zlib as is, for zlib's own error.
    if (size !== UNREADABLE) options.chunkSize = Math.max(64, size + 1);
  }
  return gzip ? zlib.gunzipSync(body, options) : zlib.inflateSync(body, options);
}

/**
 * Decompress a body according to its `compression` header. Throws {@link DecodeError} at
 * `headers.compression` for an unknown or unsupported method (bz2, lzma; zstd on Node
 * before 22.15), at `body` for a corrupt stream, and {@link InputLimitError}
 * (`decompressedBytes`) for one that inflates past `maxBytes` — refused before it is
 * inflated for zlib and gzip, at the cap for brotli and zstd.
 */
export function decompress(
  body: Uint8Array,
  header: string,
  maxBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Uint8Array {
  const type = compressionType(header);
  if (type === undefined || (type === CompressionType.zstd && zstd === undefined)) {
    const known = type === undefined ? UNSUPPORTED[header.toLowerCase()] : 'zstd';
    throw new DecodeError(
      'headers.compression',
      known
        ? `${JSON.stringify(header)} (${known}) is not supported` +
            (type === undefined ? '' : ` by Node ${process.version}`) +
            '; send zlib (application/x-gzip) or brotli (application/x-brotli)'
        : `unknown compression ${JSON.stringify(header)}`,
    );
  }
  try {
    switch (type) {
      case CompressionType.zlib:
        return bytes(inflate(body, maxBytes));
      case CompressionType.brotli:
        return bytes(zlib.brotliDecompressSync(body, { maxOutputLength: maxBytes }));
      case CompressionType.zstd:
        return bytes(zstd!.decompress(body, { maxOutputLength: maxBytes }));
    }
  } catch (cause) {
    if (cause instanceof InputLimitError) throw cause;
    const code = (cause as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes, cause);
    throw new DecodeError('body', `not a valid ${header} stream`, { cause });
  }
}
