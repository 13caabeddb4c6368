/**
 * The receiving end of `celeriac.publish(name, payload)`: a task handler that publishes
 * what a publisher without celeriac's client (a Python app: `app.send_task(
 * 'celeriac.publish', args=[name, payload], queue='celeriac.events')`) sent, to this
 * client's subscriptions. The bridge task's id becomes the message id, so a redelivered
 * bridge task (its worker died half-way through the fan-out) sends the same task ids
 * again: no subscription is skipped, and duplicates carry the same ids.
 */
import { ValidationError, type AnyMessageContract } from '@celeriac/protocol';
import type { Client } from './client-api.js';

/** What the bridge returns (the bridge task's result). */
export interface BridgedPublish {
  /** The message id (the bridge task's id). */
  id: string;
  /** The id of each subscription's task. */
  tasks: Record<string, string>;
}

/**
 * A handler for the `celeriac.publish` task (`PUBLISH_TASK`). Register it on a worker
 * that consumes `celeriac.events` (`PUBLISH_QUEUE`), with late acknowledgement:
 * `implementTask(PUBLISH_TASK, publishBridge(client, [orderCreated]), { acksLate: true })`.
 * With `contracts`, only their names are accepted and payloads are checked against
 * their schemas: anything else fails the bridge task with the reason, recorded as its
 * result. Without, any well-formed name is published as it is.
 */
export function publishBridge(
  client: Pick<Client, 'publish'>,
  contracts?: readonly AnyMessageContract[],
): (ctx: { readonly taskId: string }, name: unknown, payload: unknown) => Promise<BridgedPublish> {
  const known = contracts && new Map(contracts.map((c) => [c.name, c]));
  return async (ctx, name, payload) => {
    if (typeof name !== 'string') {
      throw new ValidationError('Invalid celeriac.publish', [
        { path: 'args[0]', message: 'expected the event or document name' },
      ]);
    }
    const contract = known?.get(name);
    if (known && !contract) {
      throw new ValidationError('Invalid celeriac.publish', [
        { path: 'args[0]', message: `unknown message ${JSON.stringify(name.slice(0, 200))}` },
      ]);
    }
    const options = { messageId: ctx.taskId };
    const published = contract
      ? await client.publish(contract, payload as never, options)
      : await client.publish(name, payload, options);
    return {
      id: published.id,
      tasks: Object.fromEntries(published.tasks.map((t) => [t.subscription, t.result.id])),
    };
  };
}
