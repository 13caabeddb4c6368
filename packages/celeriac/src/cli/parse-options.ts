/**
 * Parsers for option values, as commander `argParser`s: a bad value is a usage error
 * (exit 2) whose message says which option and what it takes.
 */
import { InvalidArgumentError } from 'commander';

/** An integer ≥ `min`. */
export function integer(min: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    }
    return n;
  };
}

/** A number of seconds > 0 (fractions allowed). */
export function seconds(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('expected a number of seconds > 0');
  }
  return n;
}

/** A finite number. */
export function number(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError('expected a number');
  return n;
}

/** A comma-separated list (`-Q a,b`); repeating the option adds to it (`-Q a -Q b`). */
export function list(text: string, previous: string[] | undefined): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new InvalidArgumentError('expected one or more names');
  return [...(previous ?? []), ...items];
}

/** Celery's `--autoscale MAX,MIN` (MIN defaults to 0). */
export function autoscale(text: string): { max: number; min: number } {
  const [maxText = '', minText = '0', ...rest] = text.split(',').map((part) => part.trim());
  const max = Number(maxText);
  const min = Number(minText);
  if (
    rest.length > 0 ||
    !Number.isInteger(max) ||
    !Number.isInteger(min) ||
    min < 0 ||
    max < 1 ||
    min > max
  ) {
    throw new InvalidArgumentError('expected MAX,MIN with integers 1 ≤ MAX and 0 ≤ MIN ≤ MAX');
  }
  return { max, min };
}

/** JSON text of a given shape. */
export function json(what: 'array' | 'object'): (text: string) => unknown {
  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InvalidArgumentError(`not valid JSON (${(error as Error).message})`);
    }
    const ok =
      what === 'array'
        ? Array.isArray(value)
        : typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!ok) throw new InvalidArgumentError(`expected a JSON ${what}`);
    return value;
  };
}
