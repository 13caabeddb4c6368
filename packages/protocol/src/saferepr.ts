/**
 * Celery's `saferepr` (`celery/utils/saferepr.py`) for JSON values: what a Celery 5.2
 * client writes in the `argsrepr`/`kwargsrepr` headers and what `celery events`, Flower
 * and `inspect` display. A faithful port of its streaming algorithm, quirks included:
 * strings are quoted with `'` and only `'` is escaped, long strings are cut at a word
 * boundary with `...`, containers deeper than three levels print as `[...]`, and when
 * `maxlen` runs out the text ends in `, ...` plus whichever closing brackets the stream
 * still holds (sometimes none — exactly as Python prints it).
 */
import { pythonNumber } from './json.js';

/** Marks an array to be printed as a Python tuple, `(1, 2)` / `(1,)`. */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

class Literal {
  constructor(
    readonly value: string,
    readonly truncate: boolean,
    readonly direction: -1 | 0 | 1,
  ) {}
}
class Key {
  constructor(readonly value: string) {}
}
class Quoted {
  constructor(readonly value: string) {}
}
class Dirty {}

const DICT_START = new Literal('{', false, 1);
const DICT_KVSEP = new Literal(': ', true, 0);
const DICT_END = new Literal('}', false, -1);
const LIST_START = new Literal('[', false, 1);
const LIST_END = new Literal(']', false, -1);
const LIST_SEP = new Literal(', ', true, 0);
const TUPLE_START = new Literal('(', false, 1);
const TUPLE_END = new Literal(')', false, -1);
const TUPLE_END_SV = new Literal(',)', false, -1);

/** Python's `len` of a string: code points, not UTF-16 units. */
function pyLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

function pySlice(text: string, end: number): string {
  let out = '';
  let n = 0;
  for (const ch of text) {
    if (n >= end) break;
    out += ch;
    n += 1;
  }
  return out;
}

/** Celery's `truncate`: note `>=`, so a string of exactly `maxlen` gets `...` too. */
function truncate(text: string, maxlen: number | undefined): string {
  if (maxlen && pyLength(text) >= maxlen) {
    const head = pySlice(text, maxlen);
    const space = head.lastIndexOf(' ');
    return (space === -1 ? head : head.slice(0, space)) + '...';
  }
  return text;
}

function formatChars(text: string, maxlen: number | undefined): string {
  return `'${truncate(text, maxlen).replaceAll("'", "\\'")}'`;
}

/** `str()` of a Python scalar decoded from JSON. */
function scalarText(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumberRepr(value);
  return undefined;
}

function pythonNumberRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return pythonNumber(value);
}

function* chainList(items: readonly unknown[]): Generator<unknown> {
  for (let i = 0; i < items.length; i += 1) {
    yield items[i];
    if (i < items.length - 1) yield LIST_SEP;
  }
}

function* chainDict(entries: [string, unknown][]): Generator<unknown> {
  for (let i = 0; i < entries.length; i += 1) {
    const [key, value] = entries[i]!;
    yield new Key(key);
    yield DICT_KVSEP;
    yield value;
    if (i < entries.length - 1) yield LIST_SEP;
  }
}

function* chain(...parts: Iterable<unknown>[]): Generator<unknown> {
  for (const part of parts) yield* part;
}

type Token = Literal | Key | Quoted | string;

function* reprStream(
  stack: Iterator<unknown>[],
  maxlevels: number,
): Generator<[Token, Iterator<unknown>]> {
  let level = 0;
  while (stack.length > 0) {
    const it = stack.shift()!;
    for (let step = it.next(); !step.done; step = it.next()) {
      const val = step.value;
      if (val instanceof Dirty) continue;
      if (val instanceof Literal) {
        level += val.direction;
        yield [val, it];
        continue;
      }
      if (val instanceof Key) {
        yield [val, it];
        continue;
      }
      if (typeof val === 'string') {
        yield [new Quoted(val), it];
        continue;
      }
      const scalar = scalarText(val);
      if (scalar !== undefined) {
        yield [scalar, it];
        continue;
      }
      let start: Literal;
      let end: Literal;
      let items: Iterable<unknown>;
      if (val instanceof PyTuple) {
        start = TUPLE_START;
        end = val.items.length === 1 ? TUPLE_END_SV : TUPLE_END;
        items = chainList(val.items);
      } else if (Array.isArray(val)) {
        start = LIST_START;
        end = LIST_END;
        items = chainList(val);
      } else if (typeof val === 'object') {
        start = DICT_START;
        end = DICT_END;
        items = chainDict(Object.entries(val as Record<string, unknown>));
      } else {
        yield [typeof val === 'bigint' ? val.toString() : `<${typeof val}>`, it];
        continue;
      }
      if (maxlevels && level >= maxlevels) {
        yield [`${start.value}...${end.value}`, it];
        continue;
      }
      // Recurse by putting the rest of this iterator behind the container's own tokens.
      stack.push(chain([start], items, [new Dirty(), end], { [Symbol.iterator]: () => it }));
      break;
    }
  }
}

/**
 * `saferepr(value, maxlen)` as Celery prints it. Wrap an argument list in
 * {@link PyTuple} to print it as the tuple a Python client passes (`(2, 3)`).
 */
export function saferepr(value: unknown, maxlen?: number, maxlevels = 3): string {
  // Scalars (a task's usual result) need no token stream: the same text, directly.
  if (maxlen === undefined || maxlen > 0) {
    if (typeof value === 'string') return formatChars(value, maxlen);
    if (typeof value !== 'object' || value === null) {
      const scalar = scalarText(value);
      if (scalar !== undefined) return truncate(scalar, maxlen);
    }
  }
  let remaining = maxlen;
  const out: string[] = [];
  const stack: Iterator<unknown>[] = [[value][Symbol.iterator]()];
  for (const [token, it] of reprStream(stack, maxlevels)) {
    if (remaining !== undefined && remaining <= 0) {
      out.push(', ...');
      stack.push(it);
      break;
    }
    let text: string;
    if (token instanceof Literal) text = token.value;
    else if (token instanceof Key) text = saferepr(token.value, remaining, maxlevels);
    else if (token instanceof Quoted) text = formatChars(token.value, remaining);
    else text = truncate(token, remaining);
    out.push(text);
    if (remaining !== undefined) remaining -= pyLength(text);
  }
  for (const rest of stack) {
    for (let step = rest.next(); !step.done; step = rest.next()) {
      const val = step.value;
      if (val instanceof Literal && !val.truncate) out.push(val.value);
    }
  }
  return out.join('');
}

/** Celery's limit for `argsrepr`/`kwargsrepr` (`argsrepr_maxsize`, `kwargsrepr_maxsize`). */
export const REPR_MAXSIZE = 1024;

/** `argsrepr` of a Celery client: the arguments as a tuple, cut at 1024 characters. */
export function argsRepr(args: readonly unknown[], maxlen = REPR_MAXSIZE): string {
  return saferepr(new PyTuple(args), maxlen);
}

/** `kwargsrepr` of a Celery client: the keyword arguments dict, cut at 1024 characters. */
export function kwargsRepr(
  kwargs: Readonly<Record<string, unknown>>,
  maxlen = REPR_MAXSIZE,
): string {
  return saferepr(kwargs, maxlen);
}
