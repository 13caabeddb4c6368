/**
 * A growable ring buffer: O(1) push and shift at both ends, no per-element allocation,
 * so queues of any length never pay for `Array.prototype.shift`.
 */

/** Double-ended queue over a power-of-two ring buffer. */
export class Deque<T> {
  #buffer: (T | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;

  constructor(initialCapacity = 16) {
    let capacity = 4;
    while (capacity < initialCapacity) capacity <<= 1;
    this.#buffer = new Array<T | undefined>(capacity);
    this.#mask = capacity - 1;
  }

  /** Number of elements. */
  get length(): number {
    return this.#size;
  }

  /** Append at the back. */
  push(value: T): void {
    if (this.#size === this.#buffer.length) this.#grow();
    this.#buffer[(this.#head + this.#size) & this.#mask] = value;
    this.#size++;
  }

  /** Insert at the front. */
  unshift(value: T): void {
    if (this.#size === this.#buffer.length) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#buffer[this.#head] = value;
    this.#size++;
  }

  /** Remove and return the front element, undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const value = this.#buffer[this.#head];
    this.#buffer[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    return value;
  }

  /** The front element without removing it. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#buffer[this.#head];
  }

  /** Remove every element. */
  clear(): void {
    this.#buffer = new Array<T | undefined>(this.#buffer.length);
    this.#head = 0;
    this.#size = 0;
  }

  /** Elements front to back. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#size; i++) yield this.#buffer[(this.#head + i) & this.#mask] as T;
  }

  #grow(): void {
    const old = this.#buffer;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#buffer = next;
    this.#mask = next.length - 1;
    this.#head = 0;
  }
}
