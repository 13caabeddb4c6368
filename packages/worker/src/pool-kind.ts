/**
 * Pool kinds. Only `async` (in-process concurrency for I/O-bound tasks) exists today;
 * `threads` (worker_threads) and `processes` (child processes, which can truly kill on a
 * hard time limit) are planned.
 */
import { PoolNotSupportedError } from './errors.js';

/** Pool kinds. */
export const PoolKind = {
  async: 'async',
  threads: 'threads',
  processes: 'processes',
} as const;
/** One of the values of {@link PoolKind}. */
export type PoolKind = (typeof PoolKind)[keyof typeof PoolKind];

/** Throws {@link PoolNotSupportedError} for pools that are not implemented yet. */
export function assertPoolSupported(kind: PoolKind): void {
  if (kind !== PoolKind.async) throw new PoolNotSupportedError(kind);
}
