/**
 * amqplib 2.x cannot decode the field-table type `L` (signed 64-bit), which py-amqp writes
 * for every Python int outside ±2^31 — e.g. `apply_async(headers={'sent_at_ms': …})`.
 * Its frame parser throws, the connection closes, the broker requeues the message and
 * the next connection dies on it again: one Python message stops every consumer.
 *
 * This module, evaluated before amqplib itself, wraps amqplib's `decodeFields` so tables
 * it refuses are decoded here instead, with the same output shapes. It must run before
 * amqplib's `defs.js` copies `codec.decodeFields`; if amqplib was loaded earlier by
 * someone else, the patch cannot apply and `patched` says so.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

type DecodeFields = (slice: Buffer) => Record<string, unknown>;

function readValue(slice: Buffer, at: number): [value: unknown, next: number] {
  const tag = String.fromCharCode(slice[at]!);
  let offset = at + 1;
  switch (tag) {
    case 'b':
      return [slice.readInt8(offset), offset + 1];
    case 'B':
      return [slice.readUInt8(offset), offset + 1];
    case 's':
    case 'U':
      return [slice.readInt16BE(offset), offset + 2];
    case 'u':
      return [slice.readUInt16BE(offset), offset + 2];
    case 'I':
      return [slice.readInt32BE(offset), offset + 4];
    case 'i':
      return [slice.readUInt32BE(offset), offset + 4];
    case 'L':
    case 'l':
      return [Number(slice.readBigInt64BE(offset)), offset + 8];
    case 'f':
      return [slice.readFloatBE(offset), offset + 4];
    case 'd':
      return [slice.readDoubleBE(offset), offset + 8];
    case 't':
      return [slice[offset] !== 0, offset + 1];
    case 'V':
      return [null, offset];
    case 'D': {
      const places = slice[offset]!;
      return [
        { '!': 'decimal', value: { places, digits: slice.readUInt32BE(offset + 1) } },
        offset + 5,
      ];
    }
    case 'T':
      return [{ '!': 'timestamp', value: Number(slice.readBigUInt64BE(offset)) }, offset + 8];
    case 'S':
    case 'x': {
      const length = slice.readUInt32BE(offset);
      offset += 4;
      const bytes = slice.subarray(offset, offset + length);
      return [tag === 'S' ? bytes.toString('utf8') : bytes, offset + length];
    }
    case 'F': {
      const length = slice.readUInt32BE(offset);
      offset += 4;
      return [decodeFieldTable(slice.subarray(offset, offset + length)), offset + length];
    }
    case 'A': {
      const length = slice.readUInt32BE(offset);
      offset += 4;
      const end = offset + length;
      const values: unknown[] = [];
      while (offset < end) {
        const [value, next] = readValue(slice, offset);
        values.push(value);
        offset = next;
      }
      return [values, end];
    }
    default:
      throw new TypeError(`Unexpected type tag "${tag}"`);
  }
}

/** Decode an AMQP field table, including `L`, in amqplib's output shapes. */
export function decodeFieldTable(slice: Buffer): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  let offset = 0;
  while (offset < slice.length) {
    const keyLength = slice.readUInt8(offset);
    offset++;
    const key = slice.toString('utf8', offset, offset + keyLength);
    offset += keyLength;
    const [value, next] = readValue(slice, offset);
    fields[key] = value;
    offset = next;
  }
  return fields;
}

function install(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const root = path.dirname(require.resolve('amqplib'));
    const defsPath = path.join(root, 'lib', 'defs.js');
    if (require.cache[defsPath] !== undefined) return false;
    const codec = require(path.join(root, 'lib', 'codec.js')) as { decodeFields: DecodeFields };
    const original = codec.decodeFields;
    codec.decodeFields = (slice) => {
      try {
        return original(slice);
      } catch {
        return decodeFieldTable(slice);
      }
    };
    return true;
  } catch {
    return false;
  }
}

/** Whether amqplib decodes `L` (Python big ints in headers) in this process. */
export const patched: boolean = install();
