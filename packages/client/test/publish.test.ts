/**
 * `client.publish` on the memory broker, without a worker: what lands on each
 * subscription's queue, a publish in flight when the client closes, the same message id
 * published twice, duplicate subscription names.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MESSAGE_HEADER,
  decodeTaskMessage,
  defineEvent,
  defineSubscription,
  subscriptionTaskId,
} from '@celeriac/protocol';
import { Fixture } from './support.js';

const postCreated = defineEvent('social.post.created', z.object({ postId: z.string() }));
const subscriptions = [
  defineSubscription(postCreated, 'social.feed.fan_out', { queue: 'feeds' }),
  defineSubscription('social.#', 'social.audit', { queue: 'audit' }),
];

describe('client.publish', () => {
  it('sends one plain task per subscription to its queue, with the message header', async () => {
    await using fixture = new Fixture({ subscriptions });
    const published = await fixture.client.publish(
      postCreated,
      { postId: 'p-1' },
      { messageId: 'msg-1', headers: { tenant: 't1' }, priority: 3 },
    );
    expect(published.tasks.map((t) => t.result.id)).toEqual([
      subscriptionTaskId('msg-1', 'social.feed.fan_out'),
      subscriptionTaskId('msg-1', 'social.audit'),
    ]);
    for (const [queue, task] of [
      ['feeds', 'social.feed.fan_out'],
      ['audit', 'social.audit'],
    ] as const) {
      const [delivery] = await fixture.take(queue);
      const message = decodeTaskMessage(delivery!.message);
      expect(message.headers.task).toBe(task);
      expect(message.headers.id).toBe(subscriptionTaskId('msg-1', task));
      expect(message.args).toEqual([{ postId: 'p-1' }]);
      expect(message.kwargs).toEqual({});
      expect(delivery!.message.headers['tenant']).toBe('t1');
      expect(delivery!.message.properties.priority).toBe(3);
      expect(delivery!.message.headers[MESSAGE_HEADER]).toMatchObject({
        kind: 'event',
        id: 'msg-1',
        name: 'social.post.created',
        subscription: task,
      });
    }
  });

  it('finishes a publish in flight when the client closes', async () => {
    await using fixture = new Fixture({ subscriptions });
    // With a dedupKey the fan-out starts after an await (the claim), once closing began.
    const publishing = fixture.client.publish(postCreated, { postId: 'p-2' }, { dedupKey: 'p-2' });
    const closing = fixture.client.close();
    const published = await publishing;
    await closing;
    expect(published.tasks).toHaveLength(2);
    await expect(fixture.client.publish(postCreated, { postId: 'p-3' })).rejects.toThrow(/closed/);
  });

  it('sends nothing when no subscription matches, and refuses a second subscription of one name', async () => {
    await using fixture = new Fixture();
    const published = await fixture.client.publish(postCreated, { postId: 'p-4' });
    expect(published.tasks).toEqual([]);
    fixture.client.subscribe(defineSubscription('a.*', 'social.audit'));
    expect(() => fixture.client.subscribe(defineSubscription('b.*', 'social.audit'))).toThrow(
      /a subscription named "social.audit" exists \(a.\* → social.audit\); give the new one/,
    );
    const remove = fixture.client.subscribe(
      defineSubscription('b.*', 'social.audit', { name: 'b' }),
    );
    expect(fixture.client.subscriptions.map((s) => s.name)).toEqual(['social.audit', 'b']);
    remove();
    expect(fixture.client.subscriptions.map((s) => s.name)).toEqual(['social.audit']);
  });
});
