/**
 * Deduplicated sends: a caller-chosen key (a request id, an order id + action) under
 * which at most one task is sent within a time to live. The record lives in the result
 * backend (`ResultBackend.claimDedup`), so every client and worker sharing the backend
 * agrees, and a second caller gets the first send's task id — and so its result.
 */
import { ValidationError } from './errors.js';

/** Longest dedup key accepted, in characters. */
export const MAX_DEDUP_KEY_LENGTH = 512;
/** Default time to live of a dedup record, in seconds (one hour). */
export const DEFAULT_DEDUP_TTL_SECONDS = 3600;

/** What {@link ResultBackend.claimDedup} found. */
export type DedupClaim =
  /** The key was free: this caller's task id now holds it; send the task. */
  | { claimed: true }
  /** Another send holds the key: `taskId` is its task; do not send again. */
  | { claimed: false; taskId: string };

/**
 * Check a dedup key: a non-empty string of at most {@link MAX_DEDUP_KEY_LENGTH}
 * characters. Throws `ValidationError` saying which bound it broke.
 */
export function assertDedupKey(key: unknown): string {
  const fail = (message: string): never => {
    throw new ValidationError('Invalid dedupKey', [{ path: 'dedupKey', message }]);
  };
  if (typeof key !== 'string' || key === '') return fail('expected a non-empty string');
  if (key.length > MAX_DEDUP_KEY_LENGTH) {
    return fail(`${key.length} characters, at most ${MAX_DEDUP_KEY_LENGTH}`);
  }
  return key;
}
