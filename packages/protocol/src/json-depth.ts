/**
 * A bound on how deeply JSON nests, checked before parsing. `JSON.parse` itself copes
 * with deep input, but every later step that walks the value (validation, signatures,
 * `saferepr`, logging) recurses, and a 10,000-deep body costs memory and stack all the
 * way through a worker. So the text is scanned first, cheaply, for its nesting depth.
 *
 * The scan counts `[`/`{` minus `]`/`}` outside string literals, skipping the character
 * after a backslash inside one. It does not validate the JSON (the parser does that right
 * after); it only has to be right about depth for input that is valid, and harmless on
 * input that is not. It works on UTF-8 bytes as well as on strings: no byte of a
 * multi-byte UTF-8 sequence can be mistaken for an ASCII bracket, quote or backslash.
 */
import { InputLimit, InputLimitError } from './errors.js';

/**
 * Default nesting bound: 512 levels. Python's `json` gives up near 1,000 (its recursion
 * limit), and real canvases (chains of chords of groups, links of links) stay far below
 * 100; 512 keeps everything Python can exchange and refuses nesting bombs early.
 */
export const DEFAULT_MAX_JSON_DEPTH = 512;

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether `input` holds more than `max` opening brackets (counted with native searches). */
function moreOpenersThan(input: string | Uint8Array, max: number): boolean {
  let count = 0;
  const find =
    typeof input === 'string'
      ? (code: number, from: number) => input.indexOf(String.fromCharCode(code), from)
      : (code: number, from: number) => input.indexOf(code, from);
  for (const opener of [OPEN_ARRAY, OPEN_OBJECT]) {
    for (let at = find(opener, 0); at !== -1; at = find(opener, at + 1)) {
      count += 1;
      if (count > max) return true;
    }
  }
  return false;
}

/** What each ASCII character means to the scan: 1 quote, 2 opener, 3 closer, 0 nothing. */
const KIND = new Uint8Array(128);
KIND[QUOTE] = 1;
KIND[OPEN_ARRAY] = 2;
KIND[OPEN_OBJECT] = 2;
KIND[CLOSE_ARRAY] = 3;
KIND[CLOSE_OBJECT] = 3;

// Two copies of one loop, for bytes and for strings, so that each stays monomorphic (and
// fast: this runs over every large body before JSON.parse does).
function scanBytes(input: Uint8Array, max: number): number {
  const n = input.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = input[i++]!;
    const kind = c < 128 ? KIND[c]! : 0;
    if (kind === 0) continue;
    if (kind === 1) {
      while (i < n) {
        const x = input[i++]!;
        if (x === QUOTE) break;
        if (x === BACKSLASH) i += 1;
      }
    } else if (kind === 2) {
      depth += 1;
      if (depth > max) return i - 1;
    } else depth -= 1;
  }
  return -1;
}

function scanText(input: string, max: number): number {
  const n = input.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = input.charCodeAt(i++);
    const kind = c < 128 ? KIND[c]! : 0;
    if (kind === 0) continue;
    if (kind === 1) {
      while (i < n) {
        const x = input.charCodeAt(i++);
        if (x === QUOTE) break;
        if (x === BACKSLASH) i += 1;
      }
    } else if (kind === 2) {
      depth += 1;
      if (depth > max) return i - 1;
    } else depth -= 1;
  }
  return -1;
}

/**
 * The offset (byte index for bytes, UTF-16 index for a string) of the bracket that opens
 * level `max + 1`, or -1 when `input` nests at most `max` levels. `[]` is one level,
 * `[{}]` two. Input shorter than `max`, or with at most `max` opening brackets in all,
 * is not scanned at all, so the usual small task body costs nothing.
 */
export function jsonDepthOverflow(input: string | Uint8Array, max: number): number {
  if (input.length <= max || !moreOpenersThan(input, max)) return -1;
  return typeof input === 'string' ? scanText(input, max) : scanBytes(input, max);
}

/**
 * Throw {@link InputLimitError} (`limit: 'jsonDepth'`) at `path` when `input` nests more
 * than `max` levels; the message says where (`body: JSON nests deeper than 512 levels
 * (level 513 opens at byte 513)`).
 */
export function assertJsonDepth(input: string | Uint8Array, max: number, path: string): void {
  const at = jsonDepthOverflow(input, max);
  if (at === -1) return;
  const unit = typeof input === 'string' ? 'character' : 'byte';
  throw new InputLimitError(
    path,
    InputLimit.jsonDepth,
    max,
    `JSON nests deeper than ${max} levels (level ${max + 1} opens at ${unit} ${at})`,
  );
}
