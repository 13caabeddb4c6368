/**
 * AMQP field tables (message headers, queue arguments) as py-amqp writes and reads them.
 *
 * amqplib guesses a wire type from a JS value, and two of its guesses break py-amqp, the
 * library Python Celery reads our messages with:
 * - small integers go out as `b` (signed byte) and `s` (signed short); py-amqp reads `b`
 *   as an *unsigned* byte (-1 arrives as 255) and `s` as a *short string*, which derails
 *   the rest of the table (a `retries: 200` header would corrupt the whole message);
 * - integers beyond 32 bits go out as `l`, which py-amqp reads as unsigned.
 * So every value is tagged explicitly, the way py-amqp itself writes them: strings `S`,
 * booleans `t`, integers `I` (32-bit signed), floats `d`, null `V`, arrays `A`, objects
 * `F`, bytes `x`, dates `T` (seconds).
 */

/** amqplib's explicit-type form `{ '!': type, value }` ("trapdoor"), used for every value. */
interface Tagged {
  '!': string;
  value: unknown;
}

const INT32_MAX = 2_147_483_647;

function tag(type: string, value: unknown): Tagged {
  return { '!': type, value };
}

// Shared, never mutated by amqplib: Celery headers are full of nulls and booleans.
const NULL = Object.freeze(tag('object', null));
const TRUE = Object.freeze(tag('boolean', true));
const FALSE = Object.freeze(tag('boolean', false));

function encodeValue(value: unknown): Tagged | undefined {
  switch (typeof value) {
    case 'string':
      return tag('string', value);
    case 'boolean':
      return value ? TRUE : FALSE;
    case 'number':
      if (Number.isInteger(value) && Math.abs(value) <= INT32_MAX) return tag('int32', value);
      // py-amqp reads `l` as unsigned: only non-negative integers are safe as int64.
      if (Number.isSafeInteger(value) && value > 0) return tag('int64', value);
      return tag('double', value);
    case 'bigint':
      return value >= 0n && value <= 0x7fff_ffff_ffff_ffffn
        ? tag('int64', value)
        : tag('double', Number(value));
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  if (value === null) return NULL;
  if (value instanceof Date) return tag('timestamp', Math.floor(value.getTime() / 1000));
  if (value instanceof Uint8Array) {
    return tag('object', Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  if (Array.isArray(value)) {
    // JSON semantics: a hole or undefined in an array becomes null.
    return tag(
      'object',
      value.map((item: unknown) => encodeValue(item) ?? NULL),
    );
  }
  return tag('object', encodeHeaderTable(value as Record<string, unknown>));
}

/**
 * Encode a headers object (or queue arguments) for amqplib so that py-amqp decodes the
 * same values. Keys whose value is `undefined` are left out, as `JSON.stringify` does.
 */
export function encodeHeaderTable(
  headers: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  for (const key in headers) {
    if (!Object.hasOwn(headers, key)) continue;
    const encoded = encodeValue(headers[key]);
    if (encoded !== undefined) table[key] = encoded;
  }
  return table;
}

function decodeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(decodeValue);
  const record = value as Record<string, unknown>;
  if (typeof record['!'] === 'string' && 'value' in record && Object.keys(record).length === 2) {
    if (record['!'] === 'timestamp') return new Date(Number(record.value) * 1000);
    if (record['!'] === 'decimal') {
      const { places, digits } = record.value as { places: number; digits: number };
      return digits / 10 ** places;
    }
  }
  return decodeHeaderTable(record);
}

/**
 * Turn a table amqplib decoded into plain values: `V` is `null`, arrays stay arrays,
 * longstr `S` are strings, `x` byte arrays are `Uint8Array`s, timestamps `Date`s and
 * decimals numbers.
 */
export function decodeHeaderTable(
  table: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  if (table === undefined) return headers;
  for (const [key, value] of Object.entries(table)) headers[key] = decodeValue(value);
  return headers;
}
