/**
 * JSON as kombu 5.2.4 writes it (`kombu/utils/json.py`: `json.dumps` with a `default()`
 * hook), byte for byte: `", "` and `": "` separators, `ensure_ascii` escapes (`\u00e9`),
 * Python's float repr (`1e-05`, `1e+16`), dates as ISO strings with `Z`, and no type
 * markers. Anything kombu 5.2.4 cannot encode is refused here too, with the path of the
 * offending value, so a message that would fail in Python fails before it is sent.
 */
import { DecodeError, EncodeError } from './errors.js';
import { assertJsonDepth, DEFAULT_MAX_JSON_DEPTH } from './json-depth.js';

/** A value that decodes from JSON. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const SIMPLE_STRING = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
};

/** A string literal as Python's `json.dumps(ensure_ascii=True)` writes it. */
export function pythonJsonString(value: string): string {
  if (SIMPLE_STRING.test(value)) return `"${value}"`;
  let out = '"';
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    const short = SHORT_ESCAPES[unit];
    if (short !== undefined) out += short;
    else if (unit < 0x20 || unit > 0x7e) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += value[i];
  }
  return `${out}"`;
}

/**
 * A finite number as Python prints it. JSON cannot tell `1.0` from `1`, so integral
 * values below 1e16 print as integers (a Python float `1.0` comes back as `1`); the rest
 * follow Python's `float.__repr__`: exponent form below 1e-4 and from 1e16, with a sign
 * and at least two exponent digits (`1e-05`, `1e+16`). Beyond 2**53 a JavaScript number
 * is a float anyway.
 */
export function pythonNumber(value: number): string {
  if (Object.is(value, -0)) return '-0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e16) return String(value);
  if (value === 0) return '0';
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  const exp = Number(exponent);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** A `Date` as kombu encodes an aware UTC datetime: ISO with microseconds and `Z`. */
export function jsonDate(date: Date, path: string): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new EncodeError(path, 'an invalid Date cannot be encoded');
  const iso = date.toISOString();
  const millis = iso.slice(20, 23);
  // Python's isoformat() omits the fraction when it is zero and otherwise prints six digits.
  const fraction = millis === '000' ? '' : `.${millis}000`;
  return `${iso.slice(0, 19)}${fraction}Z`;
}

function kindOf(value: object): string {
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return 'binary data (bytes are not JSON; kombu 5.2 refuses them too)';
  }
  if (value instanceof Error) return 'an Error';
  const name = (value.constructor as { name?: string } | undefined)?.name;
  return name ? `an instance of ${name}` : 'an object with a foreign prototype';
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function encode(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return pythonJsonString(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new EncodeError(path, `${String(value)} is not valid JSON (kombu would write it)`);
      }
      return pythonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new EncodeError(
        path,
        'a bigint is not JSON-serializable; convert it to a number or string',
      );
    case 'undefined':
      throw new EncodeError(path, 'undefined is not JSON-serializable; use null');
    case 'function':
    case 'symbol':
      throw new EncodeError(path, `a ${typeof value} is not JSON-serializable`);
    case 'object':
      break;
  }
  if (value === null) return 'null';
  const object = value;
  if (object instanceof Date) return pythonJsonString(jsonDate(object, path));
  if (seen.has(object)) throw new EncodeError(path, 'circular reference detected');
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      if (object.length === 0) return '[]';
      const parts: string[] = [];
      for (let i = 0; i < object.length; i += 1) {
        parts.push(encode(object[i], `${path}[${i}]`, seen));
      }
      return `[${parts.join(', ')}]`;
    }
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      // kombu calls an object's __json__(); toJSON() is the JavaScript counterpart.
      return encode((toJSON as () => unknown).call(object), path, seen);
    }
    if (!isPlainObject(object)) {
      throw new EncodeError(path, `${kindOf(object)} is not JSON-serializable`);
    }
    const parts: string[] = [];
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      // An absent optional property; Python has no undefined to write.
      if (item === undefined) continue;
      const itemPath = /^[A-Za-z_$][\w$]*$/.test(key)
        ? `${path}.${key}`
        : `${path}[${JSON.stringify(key)}]`;
      parts.push(`${pythonJsonString(key)}: ${encode(item, itemPath, seen)}`);
    }
    return `{${parts.join(', ')}}`;
  } finally {
    seen.delete(object);
  }
}

/**
 * Encode `value` as kombu 5.2.4's `json.dumps` would. Throws {@link EncodeError} naming
 * the path (rooted at `path`, default `value`) of the first value it cannot encode:
 * bigint, binary data, Map/Set, functions, class instances without `toJSON()`,
 * `undefined` outside an object property, NaN/Infinity, circular references.
 */
export function encodeJson(value: unknown, path = 'value'): string {
  return encode(value, path, new Set());
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Options of {@link parseJson}. */
export interface ParseJsonOptions {
  /** Refuse input nesting deeper than this, before parsing it; default 512. */
  maxDepth?: number;
}

/**
 * Parse JSON text or UTF-8 bytes. Throws {@link DecodeError} at `path` when the input is
 * not UTF-8 or not JSON (Python's `NaN`/`Infinity` tokens are refused: JavaScript's
 * JSON has no way to carry them), and `InputLimitError` when it nests deeper than
 * `maxDepth` (checked before parsing, see `json-depth.ts`).
 */
export function parseJson(
  input: string | Uint8Array,
  path = 'body',
  options: ParseJsonOptions = {},
): unknown {
  assertJsonDepth(input, options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH, path);
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch (cause) {
    throw new DecodeError(path, 'not valid UTF-8', { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError(path, `not valid JSON (${reason})`, { cause });
  }
}
