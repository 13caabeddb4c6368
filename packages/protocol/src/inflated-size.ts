/**
 * How many bytes a deflate stream (zlib RFC 1950, gzip RFC 1952) inflates to, found
 * without inflating it: the Huffman codes are decoded and the lengths of literals and
 * copies added up, but no output is written, so a decompression bomb costs no memory.
 *
 * Why: Node's synchronous inflate with `maxOutputLength` stops at the cap, but only after
 * allocating up to the cap in 16 KiB chunks; twenty 200 MB bombs against a 64 MiB cap
 * allocate 1.3 GB on the way to twenty refusals, and the C heap keeps much of it. Counting
 * first refuses a bomb after reading a few kilobytes of it, and lets the real inflate of
 * an accepted body allocate its exact size once.
 *
 * This is a sizing pass, not a decoder of record: it does not check distances or
 * checksums. Whatever it says, the real (native) inflate still runs with the cap, so a
 * stream this pass misjudges is still decoded correctly or refused by zlib itself.
 * The decoding follows RFC 1951 §3.2: codes of up to 9 bits through a lookup table,
 * longer ones bit by bit as in Mark Adler's `puff` reference decoder.
 */

/** The stream inflates to more than the limit. */
export const OVER_LIMIT = -1;
/** The stream is not one this pass understands (corrupt, truncated, preset dictionary). */
export const UNREADABLE = -2;

const MAX_BITS = 15;
const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LENGTH_EXTRA = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Thrown inside the pass; turned into {@link UNREADABLE}. */
class Unreadable extends Error {}

/** Bits looked up at once when decoding; longer codes take the bit-by-bit path. */
const ROOT = 9;
const ROOT_MASK = (1 << ROOT) - 1;

/**
 * A canonical Huffman code: how many codes of each length, the symbols in code order, and
 * a table indexed by the next ROOT bits holding `symbol << 4 | length` (-1: longer code).
 */
interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
  table: Int32Array;
}

function huffman(lengths: ArrayLike<number>, n: number): Huffman {
  const count = new Uint16Array(MAX_BITS + 1);
  const symbol = new Uint16Array(n);
  for (let s = 0; s < n; s += 1) count[lengths[s]!]! += 1;
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len += 1) {
    left = (left << 1) - count[len]!;
    if (left < 0) throw new Unreadable('over-subscribed code');
  }
  const offsets = new Uint16Array(MAX_BITS + 1);
  for (let len = 1; len < MAX_BITS; len += 1) offsets[len + 1] = offsets[len]! + count[len]!;
  for (let s = 0; s < n; s += 1) {
    const len = lengths[s]!;
    if (len !== 0) symbol[offsets[len]!++] = s;
  }
  const table = new Int32Array(1 << ROOT).fill(-1);
  let code = 0;
  let index = 0;
  for (let len = 1; len <= ROOT; len += 1) {
    for (let k = 0; k < count[len]!; k += 1) {
      // Deflate sends codes most significant bit first into an LSB-first stream.
      let reversed = 0;
      for (let b = 0; b < len; b += 1) reversed |= ((code >> b) & 1) << (len - 1 - b);
      const entry = (symbol[index]! << 4) | len;
      for (let fill = reversed; fill <= ROOT_MASK; fill += 1 << len) table[fill] = entry;
      code += 1;
      index += 1;
    }
    code <<= 1;
  }
  return { count, symbol, table };
}

const FIXED = (() => {
  const lengths = new Uint8Array(288);
  lengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return { literal: huffman(lengths, 288), distance: huffman(new Uint8Array(30).fill(5), 30) };
})();

/** A little-endian bit reader over the compressed bytes. */
class Bits {
  pos: number;
  #buffer = 0;
  #count = 0;
  constructor(
    readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  read(need: number): number {
    while (this.#count < need) {
      if (this.pos >= this.data.length) throw new Unreadable('truncated');
      this.#buffer |= this.data[this.pos++]! << this.#count;
      this.#count += 8;
    }
    const value = this.#buffer & ((1 << need) - 1);
    this.#buffer >>>= need;
    this.#count -= need;
    return value;
  }

  /** Drop the bits left in the current byte (before a stored block or a trailer). */
  align(): void {
    this.#buffer = 0;
    this.#count = 0;
  }

  decode(code: Huffman): number {
    const data = this.data;
    while (this.#count < ROOT && this.pos < data.length) {
      this.#buffer |= data[this.pos++]! << this.#count;
      this.#count += 8;
    }
    const entry = code.table[this.#buffer & ROOT_MASK]!;
    if (entry >= 0) {
      const len = entry & 15;
      if (len > this.#count) throw new Unreadable('truncated');
      this.#buffer >>>= len;
      this.#count -= len;
      return entry >> 4;
    }
    return this.#decodeSlowly(code);
  }

  /** A code longer than ROOT bits, read bit by bit (RFC 1951 canonical decoding). */
  #decodeSlowly(code: Huffman): number {
    let bits = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len += 1) {
      bits |= this.read(1);
      const count = code.count[len]!;
      if (bits - count < first) return code.symbol[index + (bits - first)]!;
      index += count;
      first = (first + count) << 1;
      bits <<= 1;
    }
    throw new Unreadable('no such code');
  }
}

function dynamicCodes(bits: Bits): { literal: Huffman; distance: Huffman } {
  const nlen = bits.read(5) + 257;
  const ndist = bits.read(5) + 1;
  const ncode = bits.read(4) + 4;
  if (nlen > 286 || ndist > 30) throw new Unreadable('bad counts');
  const lengths = new Uint8Array(nlen + ndist);
  const codeLengths = new Uint8Array(19);
  for (let i = 0; i < ncode; i += 1) codeLengths[CODE_LENGTH_ORDER[i]!] = bits.read(3);
  const lencode = huffman(codeLengths, 19);
  for (let i = 0; i < nlen + ndist;) {
    const symbol = bits.decode(lencode);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let value = 0;
    let repeat: number;
    if (symbol === 16) {
      if (i === 0) throw new Unreadable('repeat with no previous length');
      value = lengths[i - 1]!;
      repeat = 3 + bits.read(2);
    } else if (symbol === 17) repeat = 3 + bits.read(3);
    else repeat = 11 + bits.read(7);
    if (i + repeat > nlen + ndist) throw new Unreadable('too many lengths');
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (lengths[256] === 0) throw new Unreadable('no end-of-block code');
  return {
    literal: huffman(lengths.subarray(0, nlen), nlen),
    distance: huffman(lengths.subarray(nlen), ndist),
  };
}

/** Size of one raw deflate stream starting at `bits.pos`, added to `total`. */
function deflateSize(bits: Bits, total: number, limit: number): number {
  let last = 0;
  while (last === 0) {
    last = bits.read(1);
    const type = bits.read(2);
    if (type === 0) {
      bits.align();
      const { data } = bits;
      const at = bits.pos;
      if (at + 4 > data.length) throw new Unreadable('truncated');
      const len = data[at]! | (data[at + 1]! << 8);
      const nlen = data[at + 2]! | (data[at + 3]! << 8);
      if (len !== (~nlen & 0xffff)) throw new Unreadable('stored length mismatch');
      if (at + 4 + len > data.length) throw new Unreadable('truncated');
      bits.pos = at + 4 + len;
      total += len;
      if (total > limit) return OVER_LIMIT;
      continue;
    }
    if (type === 3) throw new Unreadable('bad block type');
    const { literal, distance } = type === 1 ? FIXED : dynamicCodes(bits);
    for (;;) {
      const symbol = bits.decode(literal);
      if (symbol < 256) {
        total += 1;
      } else if (symbol === 256) {
        break;
      } else {
        const index = symbol - 257;
        if (index >= 29) throw new Unreadable('bad length symbol');
        total += LENGTH_BASE[index]! + bits.read(LENGTH_EXTRA[index]!);
        const d = bits.decode(distance);
        if (d >= 30) throw new Unreadable('bad distance symbol');
        bits.read(DISTANCE_EXTRA[d]!);
      }
      if (total > limit) return OVER_LIMIT;
    }
  }
  bits.align();
  return total;
}

/** Offset of the deflate data in a gzip member starting at `at` (RFC 1952 §2.3). */
function gzipHeaderEnd(data: Uint8Array, at: number): number {
  if (data[at] !== 0x1f || data[at + 1] !== 0x8b || data[at + 2] !== 8) {
    throw new Unreadable('not gzip');
  }
  const flags = data[at + 3]!;
  let pos = at + 10;
  if (flags & 4) pos += 2 + (data[pos]! | (data[pos + 1]! << 8));
  for (const flag of [8, 16]) {
    if (flags & flag) {
      while (pos < data.length && data[pos] !== 0) pos += 1;
      pos += 1;
    }
  }
  if (flags & 2) pos += 2;
  if (pos > data.length) throw new Unreadable('truncated');
  return pos;
}

/**
 * The inflated size of `data`, a zlib stream or (with `gzip`) one or more gzip members
 * as Node's `gunzipSync` reads them; {@link OVER_LIMIT} as soon as it passes `limit`;
 * {@link UNREADABLE} for a stream this pass cannot size (leave those to zlib).
 */
export function inflatedSize(data: Uint8Array, format: 'zlib' | 'gzip', limit: number): number {
  try {
    if (format === 'zlib') {
      const cmf = data[0]!;
      const flg = data[1]!;
      if ((cmf & 15) !== 8 || (cmf * 256 + flg) % 31 !== 0 || flg & 0x20) return UNREADABLE;
      return deflateSize(new Bits(data, 2), 0, limit);
    }
    let total = 0;
    let at = 0;
    while (at < data.length && data[at] === 0x1f && data[at + 1] === 0x8b) {
      const bits = new Bits(data, gzipHeaderEnd(data, at));
      total = deflateSize(bits, total, limit);
      if (total === OVER_LIMIT) return OVER_LIMIT;
      at = bits.pos + 8;
    }
    return total;
  } catch (error) {
    if (error instanceof Unreadable) return UNREADABLE;
    throw error;
  }
}
