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
 * Decompression is capped (`maxOutputLength`) so a small "zip bomb" cannot exhaust memory.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gunzipSync,
  inflateSync,
} from 'node:zlib';
import { DecodeError, EncodeError } from './errors.js';

/** The `compression` header values celeriac writes. */
export const CompressionType = {
  /** kombu's `zlib`/`gzip`: a zlib stream under Celery's historical gzip name. */
  zlib: 'application/x-gzip',
  brotli: 'application/x-brotli',
} as const;
/** One of the values of {@link CompressionType}. */
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** Names accepted by {@link compress}: kombu's aliases. */
export type CompressionName = 'zlib' | 'gzip' | 'brotli' | CompressionType;

const ALIASES: Record<string, CompressionType> = {
  zlib: CompressionType.zlib,
  gzip: CompressionType.zlib,
  'application/x-gzip': CompressionType.zlib,
  brotli: CompressionType.brotli,
  'application/x-brotli': CompressionType.brotli,
};

/** kombu names we know but cannot decode here (no pure implementation in Node). */
const UNSUPPORTED: Record<string, string> = {
  'application/x-bz2': 'bzip2',
  bzip2: 'bzip2',
  bzip: 'bzip2',
  'application/x-lzma': 'lzma',
  lzma: 'lzma',
  xz: 'lzma',
  'application/zstd': 'zstd',
  zstd: 'zstd',
  zstandard: 'zstd',
};

/** Default cap on a decompressed body: 64 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** The canonical header value for a compression name, or undefined if unknown. */
export function compressionType(name: string): CompressionType | undefined {
  return ALIASES[name.toLowerCase()];
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
  const out = header === CompressionType.zlib ? deflateSync(body) : brotliCompressSync(body);
  return { body: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), header };
}

/**
 * Decompress a body according to its `compression` header. Throws {@link DecodeError} at
 * `headers.compression` for an unknown or unsupported method (bz2, lzma, zstd) and at
 * `body` for a corrupt stream or one that inflates past `maxBytes`.
 */
export function decompress(
  body: Uint8Array,
  header: string,
  maxBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Uint8Array {
  const type = compressionType(header);
  if (type === undefined) {
    const known = UNSUPPORTED[header.toLowerCase()];
    throw new DecodeError(
      'headers.compression',
      known
        ? `${JSON.stringify(header)} (${known}) is not supported; ` +
            'send zlib (application/x-gzip) or brotli (application/x-brotli)'
        : `unknown compression ${JSON.stringify(header)}`,
    );
  }
  const options = { maxOutputLength: maxBytes };
  try {
    let out: Buffer;
    if (type === CompressionType.brotli) out = brotliDecompressSync(body, options);
    else if (body[0] === 0x1f && body[1] === 0x8b) out = gunzipSync(body, options);
    else out = inflateSync(body, options);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecodeError('body', `decompresses to more than ${maxBytes} bytes`, { cause });
    }
    throw new DecodeError('body', `not a valid ${header} stream`, { cause });
  }
}
