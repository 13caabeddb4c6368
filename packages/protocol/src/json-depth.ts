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

/**
 * The offset (byte index for bytes, UTF-16 index for a string) of the bracket that opens
 * level `max + 1`, or -1 when `input` nests at most `max` levels. `[]` is one level,
 * `[{}]` two. Input shorter than `max`, or with at most `max` opening brackets in all,
 * is not scanned at all, so the usual small task body costs nothing.
 */
export function jsonDepthOverflow(input: string | Uint8Array, max: number): number {
  if (input.length <= max || !moreOpenersThan(input, max)) return -1;
  const text = typeof input === 'string';
  const length = input.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < length; i += 1) {
    const c = text ? input.charCodeAt(i) : (input[i] as number);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth += 1;
      if (depth > max) return i;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth -= 1;
    }
  }
  return -1;
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
