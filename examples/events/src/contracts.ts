/**
 * What publishers and subscribers share: the events and documents (name + payload
 * schema), the subscribers' task contracts, and the subscriptions — which task runs, on
 * which queue, when a message matching a topic or pattern is published.
 */
import { z } from 'zod';
import { defineDocument, defineEvent, defineSubscription, defineTask } from '@celeriac/protocol';

// --- The shop -------------------------------------------------------------------------

export const orderCreated = defineEvent(
  'shop.order.created',
  z.object({
    orderId: z.string(),
    email: z.email(),
    phone: z.string(),
    total: z.number().positive(),
    items: z.number().int().positive(),
  }),
);

/** What the analytics transformer makes of an order: a document for the warehouse. */
export const orderFacts = defineDocument(
  'analytics.order.facts',
  z.object({ orderId: z.string(), revenue: z.number(), items: z.number(), day: z.string() }),
);

export const sendEmail = defineTask('shop.email.order_confirmation', {
  args: z.tuple([z.object({ orderId: z.string(), email: z.email() })]),
  result: z.string(),
});
export const sendSms = defineTask('shop.sms.order_confirmation', {
  args: z.tuple([z.object({ orderId: z.string(), phone: z.string() })]),
  result: z.string(),
});
/** A transformer: an order event in, an `analytics.order.facts` document out. */
export const toOrderFacts = defineTask('analytics.order.to_facts', {
  args: z.tuple([z.object({ orderId: z.string(), total: z.number(), items: z.number() })]),
});
export const loadFacts = defineTask('analytics.warehouse.load', {
  args: z.tuple([orderFacts.schema]),
});

// --- The social network ---------------------------------------------------------------

export const postCreated = defineEvent(
  'social.post.created',
  z.object({ postId: z.string(), author: z.string(), text: z.string() }),
);
export const fanOutToFollowers = defineTask('social.feed.fan_out', {
  args: z.tuple([z.object({ postId: z.string(), author: z.string() })]),
  result: z.number(),
});
export const pushToFeed = defineTask('social.feed.push', {
  args: z.tuple([z.string(), z.string()]), // follower, post id
});

// --- Subscriptions: each has its own queue, so each gets every message once ------------

export const subscriptions = [
  defineSubscription(orderCreated, sendEmail, { queue: 'email' }),
  defineSubscription(orderCreated, sendSms, { queue: 'sms' }),
  // A pattern: every shop order event feeds analytics.
  defineSubscription('shop.order.*', toOrderFacts, { queue: 'analytics' }),
  defineSubscription(orderFacts, loadFacts, { queue: 'warehouse' }),
  defineSubscription(postCreated, fanOutToFollowers, { queue: 'feeds' }),
];
