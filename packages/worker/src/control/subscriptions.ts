/**
 * `inspect subscriptions` (celeriac's own; Python workers answer `KeyError`): the event
 * and document subscriptions of the worker's app — pattern, task and queue — and whether
 * this worker serves each (consumes its queue, runs its task, has run it). A subscription whose
 * pattern has matched nothing yet is listed like any other: subscriptions are
 * declarations, not traffic, so an idle one is visible before its first message.
 */
import type { SubscriptionInfo } from '@celeriac/client';
import type { MessageSubscription } from '@celeriac/protocol';
import type { ControlScope } from './scope.js';

/** The reply: every subscription the worker was given, in declaration order. */
export function subscriptionsInfo(
  scope: Pick<ControlScope, 'subscriptions' | 'consumer' | 'registry' | 'stats'>,
): SubscriptionInfo[] {
  const consumed = new Set(scope.consumer.queues);
  return [...scope.subscriptions].map((s: MessageSubscription) => ({
    name: s.name,
    pattern: s.pattern,
    task: s.task,
    queue: s.queue,
    consumed: consumed.has(s.queue),
    registered: scope.registry.get(s.task) !== undefined,
    processed: scope.stats.total.get(s.task) ?? 0,
  }));
}
