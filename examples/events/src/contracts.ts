/**
 * What publishers and subscribers share: the events and documents (name + payload
 * schema), the subscribers' task contracts, and the shop's subscriptions — which task
 * runs, on which queue, when a message matching a topic or pattern is published.
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
/** What the analytics transformer reads of any `shop.order.*` event. */
export const orderTotals = z.object({
  orderId: z.string(),
  total: z.number(),
  items: z.number(),
});

// --- The social network ---------------------------------------------------------------

export const postCreated = defineEvent(
  'social.post.created',
  z.object({ postId: z.string(), author: z.string(), text: z.string() }),
);
export const pushToFeed = defineTask('social.feed.push', {
  args: z.tuple([z.string(), z.string()]), // follower, post id
});

// --- Subscriptions a publisher may share: each has its own queue, so each gets every
// message once. The transformer and the feed fan-out are declared with their handlers in
// main.ts (`app.on`).

export const shopSubscriptions = [
  defineSubscription(orderCreated, sendEmail, { queue: 'email' }),
  defineSubscription(orderCreated, sendSms, { queue: 'sms' }),
];
