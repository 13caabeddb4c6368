import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ContentDisallowedError,
  DecodeError,
  EncodeError,
  compress,
  decodeBody,
  decompress,
  encodeBody,
  encodeJson,
  parseJson,
} from '@celeriac/protocol';
import { python } from './python-fixtures.js';
import { jsonMessage } from './samples.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('encodeJson (kombu 5.2.4 json.dumps)', () => {
  it.each(python.args.map((c) => [c.json.slice(0, 60), c] as const))(
    'matches Python byte for byte: %s',
    (_, c) => {
      expect(encodeJson(c.value)).toBe(c.json);
    },
  );
  it.each(python.kwargs.map((c) => [c.json.slice(0, 60), c] as const))(
    'matches Python for kwargs: %s',
    (_, c) => {
      expect(encodeJson(c.value)).toBe(c.json);
    },
  );

  it('writes a Date like an aware UTC datetime: microseconds and Z', () => {
    for (const d of python.dates) expect(encodeJson(new Date(d.ms))).toBe(d.json);
    expect(encodeJson({ at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)) })).toBe(
      '{"at": "2026-01-02T03:04:05.678000Z"}',
    );
  });

  it('uses toJSON() like kombu uses __json__(), and skips undefined properties', () => {
    const money = { toJSON: () => '1.10' };
    expect(encodeJson({ price: money, gone: undefined, n: 1 })).toBe('{"price": "1.10", "n": 1}');
  });

  it('writes nested structures with Python separators', () => {
    expect(encodeJson({ a: [1, { b: [true, null] }], 'x y': {} })).toBe(
      '{"a": [1, {"b": [true, null]}], "x y": {}}',
    );
  });

  it.each([
    [{ a: [1, 2n] }, 'value.a[1]: a bigint'],
    [{ data: new Uint8Array([1]) }, 'value.data: binary data'],
    [[new Set([1])], 'value[0]: a Set'],
    [{ m: new Map() }, 'value.m: a Map'],
    [{ f: () => 1 }, 'value.f: a function'],
    [[1, undefined], 'value[1]: undefined'],
    [{ n: Number.NaN }, 'value.n: NaN'],
    [{ n: -Infinity }, 'value.n: -Infinity'],
    [{ 'odd key': [new (class Point {})()] }, 'value["odd key"][0]: an instance of Point'],
    [{ d: new Date(Number.NaN) }, 'value.d: an invalid Date'],
  ])('refuses %o with an EncodeError naming the path', (value, message) => {
    const error = (() => {
      try {
        encodeJson(value);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(EncodeError);
    expect((error as EncodeError).code).toBe('ERR_ENCODE');
    expect((error as Error).message).toContain(message);
  });

  it('refuses circular references', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => encodeJson(a)).toThrow('value.self: circular reference');
  });

  it('parseJson names the body on bad JSON and bad UTF-8', () => {
    expect(() => parseJson('[1, 2')).toThrow(DecodeError);
    expect(() => parseJson('[NaN]')).toThrow(/^body: not valid JSON/);
    expect(() => parseJson(new Uint8Array([0x22, 0xff, 0x22]))).toThrow('body: not valid UTF-8');
  });
});

describe('encodeBody / decodeBody', () => {
  it('encodes JSON as utf-8 application/json', () => {
    const out = encodeBody([[2, 3], {}, {}]);
    expect(out.contentType).toBe('application/json');
    expect(out.contentEncoding).toBe('utf-8');
    expect(out.compressionHeader).toBeUndefined();
    expect(text(out.body)).toBe('[[2, 3], {}, {}]');
  });

  it.each(['zlib', 'gzip', 'brotli', 'zstd'] as const)(
    'round-trips %s compression',
    (compression) => {
      const value = { words: 'compress me '.repeat(100) };
      const out = encodeBody(value, { compression });
      expect(out.body.length).toBeLessThan(200);
      const message = jsonMessage('', { compression: out.compressionHeader }, { body: out.body });
      expect(decodeBody(message)).toEqual(value);
    },
  );

  it('writes zlib (not gzip) under application/x-gzip, as kombu does', () => {
    const out = encodeBody([1], { compression: 'gzip' });
    expect(out.compressionHeader).toBe('application/x-gzip');
    expect([out.body[0], out.body[1]]).toEqual([0x78, 0x9c]);
  });

  it("decodes a body compressed by Python's zlib.compress", () => {
    const body = new Uint8Array(Buffer.from(python.zlib.zlib_base64, 'base64'));
    const message = jsonMessage('', { compression: 'application/x-gzip' }, { body });
    expect(decodeBody(message)).toEqual(JSON.parse(python.zlib.json));
  });

  it('also reads a real gzip stream and the zlib/gzip aliases', () => {
    const json = '{"ok": true}';
    for (const [header, body] of [
      ['application/x-gzip', gzipSync(json)],
      ['gzip', deflateSync(json)],
      ['zlib', deflateSync(json)],
    ] as const) {
      expect(decodeBody(jsonMessage('', { compression: header }, { body }))).toEqual({ ok: true });
    }
  });

  it.each([
    ['application/x-bz2', /bzip2\) is not supported/],
    ['application/x-lzma', /lzma\) is not supported/],
    ['application/x-snappy', /unknown compression "application\/x-snappy"/],
  ])('refuses %s compression naming the header', (header, message) => {
    const error = catchError(() => decodeBody(jsonMessage('[]', { compression: header })));
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).path).toBe('headers.compression');
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a corrupt stream and a decompression bomb', () => {
    expect(() =>
      decodeBody(jsonMessage('not zlib', { compression: 'application/x-gzip' })),
    ).toThrow('body: not a valid application/x-gzip stream');
    const bomb = compress(new Uint8Array(1024 * 1024), 'zlib');
    expect(() => decompress(bomb.body, bomb.header, 1000)).toThrow(
      'body: decompresses to more than 1000 bytes',
    );
  });

  it.each([
    ['application/x-python-serialize'],
    ['application/x-yaml'],
    ['application/x-msgpack'],
    ['text/html'],
  ])('refuses %s with ContentDisallowedError before reading the body', (contentType) => {
    const error = catchError(() => decodeBody(jsonMessage('\x80\x04', {}, { contentType })));
    expect(error).toBeInstanceOf(ContentDisallowedError);
    expect((error as ContentDisallowedError).code).toBe('ERR_CONTENT_DISALLOWED');
    expect((error as ContentDisallowedError).contentType).toBe(contentType);
  });

  it('takes serializer names in the accept list; an accepted type without decoder is a DecodeError', () => {
    const yaml = jsonMessage('a: 1', {}, { contentType: 'application/x-yaml' });
    expect(() => decodeBody(yaml, { accept: ['json'] })).toThrow(ContentDisallowedError);
    expect(() => decodeBody(yaml, { accept: ['yaml'] })).toThrow(
      /contentType: "application\/x-yaml" is accepted but celeriac has no decoder/,
    );
    expect(() => decodeBody(jsonMessage('[1]'), { accept: [] })).toThrow(ContentDisallowedError);
  });

  it('always trusts application/data (bytes) and application/text (string)', () => {
    const data = decodeBody(jsonMessage('raw', {}, { contentType: 'application/data' }), {
      accept: [],
    });
    expect(data).toBeInstanceOf(Uint8Array);
    expect(text(data as Uint8Array)).toBe('raw');
    expect(
      decodeBody(jsonMessage('hello', {}, { contentType: 'application/text' }), { accept: [] }),
    ).toBe('hello');
  });

  it('refuses malformed JSON and an unknown content encoding', () => {
    expect(() => decodeBody(jsonMessage('[[2, 3], {}'))).toThrow(/^body: not valid JSON/);
    expect(() => decodeBody(jsonMessage('[]', {}, { contentEncoding: 'utf-16' }))).toThrow(
      'contentEncoding',
    );
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
