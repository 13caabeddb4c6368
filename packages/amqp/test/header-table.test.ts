import { decodeHeaderTable, encodeHeaderTable } from '@celeriac/amqp';
import { describe, expect, it } from 'vitest';

describe('encodeHeaderTable (py-amqp compatible types)', () => {
  it('tags every value the way py-amqp writes it', () => {
    expect(
      encodeHeaderTable({
        s: 'x',
        t: true,
        small: 1,
        short: 200,
        neg: -1,
        int32: 2_147_483_647,
        big: 2 ** 40,
        negBig: -(2 ** 40),
        float: 1.5,
        none: null,
        gone: undefined,
        list: [1, null, undefined],
        table: { a: 1 },
      }),
    ).toEqual({
      s: { '!': 'string', value: 'x' },
      t: { '!': 'boolean', value: true },
      // py-amqp reads amqplib's default `b` as unsigned and `s` as a short *string*.
      small: { '!': 'int32', value: 1 },
      short: { '!': 'int32', value: 200 },
      neg: { '!': 'int32', value: -1 },
      int32: { '!': 'int32', value: 2_147_483_647 },
      big: { '!': 'int64', value: 2 ** 40 },
      // py-amqp reads `l` as unsigned: a negative 64-bit value goes as a double.
      negBig: { '!': 'double', value: -(2 ** 40) },
      float: { '!': 'double', value: 1.5 },
      none: { '!': 'object', value: null },
      list: {
        '!': 'object',
        value: [
          { '!': 'int32', value: 1 },
          { '!': 'object', value: null },
          { '!': 'object', value: null },
        ],
      },
      table: { '!': 'object', value: { a: { '!': 'int32', value: 1 } } },
    });
  });

  it('decodes what amqplib hands over into plain values', () => {
    expect(
      decodeHeaderTable({
        n: null,
        l: [1, null, { a: Buffer.from('hi') }],
        ts: { '!': 'timestamp', value: 1_700_000_000 },
        dec: { '!': 'decimal', value: { places: 2, digits: 150 } },
      }),
    ).toEqual({
      n: null,
      l: [1, null, { a: new Uint8Array(Buffer.from('hi')) }],
      ts: new Date(1_700_000_000_000),
      dec: 1.5,
    });
  });
});
