/**
 * JSON written the way Python's `json.dumps` writes it with its defaults, which is what
 * kombu and Celery put in Redis: `", "` and `": "` separators, `ensure_ascii` escapes
 * (`\u00e9`, surrogate pairs for astral characters) and Python's float `repr`. Stored
 * envelopes and results are then byte-for-byte what a Python peer would have written.
 */

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A string literal as Python's `json.dumps(s)` (ensure_ascii) writes it. */
export function pythonJsonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const code = value.charCodeAt(i);
    const escape = ESCAPES[ch];
    if (escape !== undefined) out += escape;
    else if (code < 0x20 || code > 0x7e) {
      // 0x7f (DEL) is printed as is by Python; everything else outside ASCII is escaped.
      out += code === 0x7f ? ch : `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** A number as Python's `float.__repr__`/`int.__repr__` would print it in JSON. */
export function pythonJsonNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  // Shortest round-trip digits, then Python's rule: scientific when exp < -4 or >= 16.
  const [mantissa, expText] = value.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(value);
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
