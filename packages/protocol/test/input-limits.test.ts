import { randomBytes } from 'node:crypto';
import {
  brotliCompressSync,
  constants,
  deflateSync,
  gzipSync,
  inflateSync,
  zstdCompressSync,
} from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  InputLimitError,
  assertJsonDepth,
  decodeBody,
  decodeControlRequest,
  decodeEventMessage,
  decodeTaskMessage,
  decompress,
  jsonDepthOverflow,
  parseJson,
} from '@celeriac/protocol';
import { inflatedSize, OVER_LIMIT, UNREADABLE } from '../src/inflated-size.js';
import { python } from './python-fixtures.js';
import { jsonMessage } from './samples.js';

const MiB = 1024 * 1024;

function limitError(fn: () => unknown): InputLimitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputLimitError) return error;
    throw error;
  }
  throw new Error('expected an InputLimitError');
}

/** `size` spaces, compressed hard: a bomb. */
function spaces(size: number): Buffer {
  return Buffer.alloc(size, 0x20);
}

describe('JSON nesting depth, checked before parsing', () => {
  it('measures depth outside strings, skipping escaped quotes', () => {
    expect(jsonDepthOverflow('[[[1]]]', 3)).toBe(-1);
    expect(jsonDepthOverflow('[[[[1]]]]'.padEnd(20), 3)).toBe(3);
    const tricky = `["[[[[[[", "\\"[[[[[[", {"a": "{{{{\\\\"}, [[1]]]`;
    expect(jsonDepthOverflow(tricky, 3)).toBe(-1);
    expect(jsonDepthOverflow(tricky, 2)).toBe(tricky.indexOf('[1'));
    const bytes = new TextEncoder().encode(`["é[[[[", ${'['.repeat(10)}${']'.repeat(10)}]`);
    expect(jsonDepthOverflow(bytes, 10)).toBeGreaterThan(0);
    expect(jsonDepthOverflow(bytes, 11)).toBe(-1);
  });

  it('does not scan input too short or with too few brackets to be deep', () => {
    expect(jsonDepthOverflow('[[[]]]', 6)).toBe(-1);
    const wide = JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ i })));
    expect(jsonDepthOverflow(wide, 2)).toBe(-1);
    expect(jsonDepthOverflow(wide, 1)).toBe(1);
  });

  it('refuses a 10,000-deep body with an InputLimitError naming where, before parsing', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const error = limitError(() => decodeBody(jsonMessage(deep)));
    expect(error).toBeInstanceOf(DecodeError);
    expect(error.code).toBe('ERR_INPUT_LIMIT');
    expect(error.limit).toBe('jsonDepth');
    expect(error.max).toBe(512);
    expect(error.message).toBe(
      'body: JSON nests deeper than 512 levels (level 513 opens at byte 512)',
    );
    expect(() => parseJson(deep)).toThrow(InputLimitError);
    expect(() => assertJsonDepth(deep, 20_000, 'x')).not.toThrow();
    expect(parseJson('[[1]]', 'v', { maxDepth: 2 })).toEqual([[1]]);
    expect(() => parseJson('[[[1]]]', 'v', { maxDepth: 2 })).toThrow(
      'v: JSON nests deeper than 2 levels (level 3 opens at character 2)',
    );
  });

  it('applies to tasks, events, control requests; maxJsonDepth tightens it', () => {
    const body = `[[${'['.repeat(600)}${']'.repeat(600)}], {}, {}]`;
    const message = jsonMessage(body, { task: 'proj.add', id: 'deep' });
    expect(() => decodeTaskMessage(message)).toThrow(/JSON nests deeper than 512 levels/);
    expect(() => decodeEventMessage(message)).toThrow(InputLimitError);
    expect(() => decodeControlRequest(message)).toThrow(InputLimitError);
    const modest = jsonMessage('[[[[[1]]]], {}, {}]', { task: 'proj.add', id: 'ok' });
    expect(decodeTaskMessage(modest).args).toEqual([[[[1]]]]);
    expect(() => decodeTaskMessage(modest, { maxJsonDepth: 4 })).toThrow(
      'body: JSON nests deeper than 4 levels',
    );
  });
});

describe('message size', () => {
  it('refuses a body over maxMessageBytes as it arrives, naming sizes', () => {
    const message = jsonMessage(JSON.stringify('x'.repeat(1000)));
    const error = limitError(() => decodeBody(message, { maxMessageBytes: 500 }));
    expect(error.limit).toBe('messageBytes');
    expect(error.message).toBe('body: 1002 bytes is over the limit of 500 bytes');
    expect(decodeBody(message, { maxMessageBytes: 1002 })).toHaveLength(1000);
  });

  it('caps decompression at maxMessageBytes too (maxDecompressedBytes overrides)', () => {
    const json = JSON.stringify('y'.repeat(10_000));
    const message = jsonMessage('', { compression: 'zlib' }, { body: deflateSync(json) });
    expect(limitError(() => decodeBody(message, { maxMessageBytes: 5000 })).limit).toBe(
      'decompressedBytes',
    );
    expect(
      decodeBody(message, { maxMessageBytes: 5000, maxDecompressedBytes: 20_000 }),
    ).toHaveLength(10_000);
  });
});

describe('decompression bombs', () => {
  const cap = 8 * MiB;
  const bomb = deflateSync(spaces(50 * MiB), { level: 9 });

  it.each([
    ['zlib', 'application/x-gzip', bomb],
    ['gzip', 'application/x-gzip', gzipSync(spaces(50 * MiB), { level: 9 })],
    [
      'brotli',
      'application/x-brotli',
      brotliCompressSync(spaces(50 * MiB), {
        params: { [constants.BROTLI_PARAM_QUALITY]: 4 },
      }),
    ],
    ['zstd', 'application/zstd', zstdCompressSync(spaces(50 * MiB))],
  ])('refuses a %s bomb with an InputLimitError at the cap', (_, header, body) => {
    const error = limitError(() => decompress(body, header, cap));
    expect(error.limit).toBe('decompressedBytes');
    expect(error.message).toBe(`body: decompresses to more than ${cap} bytes`);
  });

  it('sizes a zlib bomb without inflating it', () => {
    expect(inflatedSize(bomb, 'zlib', cap)).toBe(OVER_LIMIT);
    expect(inflatedSize(bomb, 'zlib', 100 * MiB)).toBe(50 * MiB);
  });

  it('round-trips zstd compression', () => {
    const json = JSON.stringify({ words: 'compress me '.repeat(100) });
    const message = jsonMessage('', { compression: 'zstd' }, { body: zstdCompressSync(json) });
    expect(decodeBody(message)).toEqual(JSON.parse(json));
  });
});

describe('inflatedSize agrees with zlib', () => {
  const samples: Buffer[] = [
    Buffer.alloc(0),
    Buffer.from('a'),
    Buffer.from(python.zlib.json),
    Buffer.from(JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, s: `v${i}` })))),
    randomBytes(70_000), // stored blocks
    Buffer.concat([randomBytes(3000), Buffer.alloc(50_000, 7), randomBytes(3000)]),
  ];
  const options = [
    { level: 0 },
    { level: 1 },
    { level: 6 },
    { level: 9 },
    { strategy: constants.Z_HUFFMAN_ONLY },
    { strategy: constants.Z_RLE },
    { strategy: constants.Z_FIXED },
  ];

  it('for zlib and gzip streams of every level and strategy', () => {
    for (const sample of samples) {
      for (const option of options) {
        const zlib = deflateSync(sample, option);
        expect(inflatedSize(zlib, 'zlib', 1e9)).toBe(sample.length);
        const gzip = gzipSync(sample, option);
        expect(inflatedSize(gzip, 'gzip', 1e9)).toBe(sample.length);
      }
    }
    const fromPython = Buffer.from(python.zlib.zlib_base64, 'base64'); // zlib.compress()
    expect(inflatedSize(fromPython, 'zlib', 1e9)).toBe(inflateSync(fromPython).length);
  });

  it('for multi-member gzip, and says unreadable for what it cannot size', () => {
    const two = Buffer.concat([gzipSync('hello '), gzipSync('world')]);
    expect(inflatedSize(two, 'gzip', 100)).toBe(11);
    expect(decompress(two, 'application/x-gzip')).toEqual(new TextEncoder().encode('hello world'));
    expect(inflatedSize(Buffer.from('not zlib'), 'zlib', 100)).toBe(UNREADABLE);
    const truncated = deflateSync(samples[3]!).subarray(0, 200);
    expect(inflatedSize(truncated, 'zlib', 1e9)).toBe(UNREADABLE);
    expect(() => decompress(truncated, 'zlib')).toThrow('body: not a valid zlib stream');
  });
});
