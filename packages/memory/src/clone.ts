/**
 * Deep copies of message headers and result values, so what a producer or worker keeps
 * using can never change what a consumer or reader sees (a real broker copies by
 * serializing). JSON-shaped values take a fast path; anything else goes to
 * `structuredClone`.
 */

/** A deep copy of `value`. */
export function cloneValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneValue(value[i] as unknown);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      out[key] = cloneValue((value as Record<string, unknown>)[key]);
    }
    return out as T;
  }
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  return structuredClone(value);
}
