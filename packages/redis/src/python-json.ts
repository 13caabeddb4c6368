/**
 * JSON written the way Python's `json.dumps` writes it with its defaults, which is what
 * kombu and Celery put in Redis: `", "` and `": "` separators, `ensure_ascii` escapes
 * (`\u00e9`, surrogate pairs for astral characters) and Python's float `repr`. Stored
 * envelopes and results are then byte-for-byte what a Python peer would have written.
 * Strings and numbers are the protocol's (`pythonJsonString` has a fast path for plain
 * ASCII, which matters for the base64 body of every envelope); unlike the protocol's
 * `encodeJson`, any value is written (an envelope carries whatever headers it came with).
 */

import { pythonJsonString, pythonNumber } from '@celeriac/protocol';

/**
 * A number as Python's `float.__repr__`/`int.__repr__` would print it in JSON, including
 * `NaN` and `Infinity`, which Python's `json.dumps` writes (and kombu would store).
 */
export function pythonJsonNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return pythonNumber(value);
}

/**
 * `JSON.stringify` with Python's default formatting. Object key order is kept (insertion
 * order), `undefined` members are left out like JSON does, and `toJSON` is honoured.
 */
export function pythonJsonStringify(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return pythonJsonString(value);
    case 'number':
      return pythonJsonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') return pythonJsonStringify(withToJson.toJSON());
      if (Array.isArray(value)) {
        return `[${value.map((item) => pythonJsonStringify(item)).join(', ')}]`;
      }
      const parts: string[] = [];
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined || typeof item === 'function') continue;
        parts.push(`${pythonJsonString(key)}: ${pythonJsonStringify(item)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      return 'null';
  }
}
