/**
 * Unique names for queues, exchanges and ids, so tests against a shared broker run in
 * parallel and repeatedly without seeing each other's messages.
 */
import { randomUUID } from 'node:crypto';

/**
 * `prefix` plus a random suffix, e.g. `q-5f1c2a9b3e7d`; safe as an AMQP or Redis name.
 *
 * @example
 * ```ts
 * const queue = uniqueName('orders'); // 'orders-1b9d6bcd4f2a'
 * ```
 */
export function uniqueName(prefix = 'celeriac-test'): string {
  return `${prefix}-${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}
