/**
 * Event and document contracts, subscriptions and their topic patterns, the
 * `celeriac_message` header and the derived subscription task ids, dedup key bounds.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MAX_DEDUP_KEY_LENGTH,
  MESSAGE_HEADER,
  ValidationError,
  assertDedupKey,
  defineDocument,
  defineEvent,
  defineSubscription,
  defineTask,
  matchSubscriptions,
  readMessageHeader,
  subscriptionTaskId,
} from '@celeriac/protocol';

const orderCreated = defineEvent('shop.order.created', z.object({ orderId: z.string() }));

describe('message contracts', () => {
  it('parse payloads, and refuse bad ones naming the field', () => {
    expect(orderCreated).toMatchObject({ kind: 'event', name: 'shop.order.created' });
    expect(orderCreated.parse({ orderId: 'A-1' })).toEqual({ orderId: 'A-1' });
    expect(() => orderCreated.parse({ orderId: 1 })).toThrow(
      'Invalid payload of event shop.order.created: payload.orderId: expected string, received number',
    );
    const facts = defineDocument('analytics.facts', z.object({ n: z.number().default(0) }));
    expect(facts.kind).toBe('document');
    expect(facts.parse({})).toEqual({ n: 0 });
  });

  it('refuse names that are not dot-separated words', () => {
    for (const bad of ['', 'a..b', 'order.*', 'order.#', 'a b', 'x'.repeat(256)]) {
      expect(() => defineEvent(bad, z.object({}))).toThrow(ValidationError);
    }
  });
});

describe('subscriptions', () => {
  it('match exact names and topic patterns (* one word, # any)', () => {
    const subs = [
      defineSubscription(orderCreated, 'shop.email'),
      defineSubscription('shop.order.*', 'shop.analytics'),
      defineSubscription('shop.#', 'shop.audit'),
      defineSubscription('#', 'everything'),
      defineSubscription('payment.*', 'payments'),
    ];
    const names = (topic: string) => matchSubscriptions(subs, topic).map((s) => s.task);
    expect(names('shop.order.created')).toEqual([
      'shop.email',
      'shop.analytics',
      'shop.audit',
      'everything',
    ]);
    expect(names('shop.order.created.late')).toEqual(['shop.audit', 'everything']);
    expect(names('shop')).toEqual(['shop.audit', 'everything']);
    expect(names('other')).toEqual(['everything']);
  });

  it('default the name to the task and the queue to celeriac.sub.<name>; take a contract', () => {
    const sms = defineTask('shop.sms', { args: z.tuple([z.object({ phone: z.string() })]) });
    const sub = defineSubscription(orderCreated, sms);
    expect(sub).toMatchObject({
      name: 'shop.sms',
      queue: 'celeriac.sub.shop.sms',
      task: 'shop.sms',
    });
    expect(sub.contract).toBe(sms);
    expect(defineSubscription('a.*', 'b', { name: 'n', queue: 'q' })).toMatchObject({
      name: 'n',
      queue: 'q',
      pattern: 'a.*',
    });
    expect(() => defineSubscription('a.b*', 'x')).toThrow(/bad word "b\*"/);
    expect(() => defineSubscription('a', '')).toThrow(/task: expected a task name/);
  });

  it('derive task ids from the message id and the subscription (a version-5 UUID)', () => {
    const id = subscriptionTaskId('m-1', 'shop.email');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(subscriptionTaskId('m-1', 'shop.email')).toBe(id);
    expect(subscriptionTaskId('m-1', 'shop.sms')).not.toBe(id);
    expect(subscriptionTaskId('m-2', 'shop.email')).not.toBe(id);
  });

  it('read the celeriac_message header, and nothing from a malformed one', () => {
    const header = {
      kind: 'event',
      id: 'm',
      name: 'a.b',
      subscription: 's',
      published: '2026-12-06T22:00:00+00:00',
    };
    expect(readMessageHeader({ [MESSAGE_HEADER]: header })).toEqual(header);
    expect(readMessageHeader({ [MESSAGE_HEADER]: { ...header, kind: 'command' } })).toBeUndefined();
    expect(readMessageHeader({ [MESSAGE_HEADER]: 'x' })).toBeUndefined();
    expect(readMessageHeader({})).toBeUndefined();
  });
});

describe('dedup keys', () => {
  it('are non-empty and at most 512 characters', () => {
    expect(assertDedupKey('k'.repeat(MAX_DEDUP_KEY_LENGTH))).toHaveLength(512);
    expect(() => assertDedupKey('')).toThrow(
      'Invalid dedupKey: dedupKey: expected a non-empty string',
    );
    expect(() => assertDedupKey('k'.repeat(513))).toThrow('513 characters, at most 512');
  });
});
