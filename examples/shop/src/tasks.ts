/**
 * Task contracts of the shop: names and zod schemas shared by whoever sends the tasks
 * and whoever runs them (a Python client can send them by name too).
 */
import { z } from 'zod';
import { defineTask } from 'celeriac';

/**
 * What a notification task reports: the provider accepted the message, or it kept
 * answering 5xx until the retries ran out (a 4xx is not a receipt: the task fails).
 */
export const Receipt = z.discriminatedUnion('delivered', [
  z.object({ channel: z.string(), delivered: z.literal(true), messageId: z.string() }),
  z.object({
    channel: z.string(),
    delivered: z.literal(false),
    /** The provider's last status, e.g. 503. */
    status: z.number(),
    /** Calls made, the first one included. */
    attempts: z.number(),
  }),
]);
export type Receipt = z.infer<typeof Receipt>;

/** Email the order confirmation: (provider URL, order id, address). */
export const sendEmail = defineTask('shop.send_email', {
  args: z.tuple([z.string(), z.string(), z.string()]),
  result: Receipt,
});

/** Text the order confirmation: (provider URL, order id, phone number). */
export const sendSms = defineTask('shop.send_sms', {
  args: z.tuple([z.string(), z.string(), z.string()]),
  result: Receipt,
});

/** At least one notification went out: the order is confirmed. */
export const ConfirmedOrder = z.object({
  orderId: z.string(),
  status: z.literal('confirmed'),
  /** Notifications the provider accepted. */
  receipts: z.number(),
});
export type ConfirmedOrder = z.infer<typeof ConfirmedOrder>;

/** Nobody could be told: the on-call was paged instead (the alert task's result). */
export const EscalatedOrder = z.object({
  orderId: z.string(),
  status: z.literal('escalated'),
  /** Why: a failed task's id (as an errback) or what went wrong. */
  cause: z.string(),
  /** The pager message the provider accepted. */
  pageId: z.string(),
});
export type EscalatedOrder = z.infer<typeof EscalatedOrder>;

/** How an order's workflow ended: `place_order`'s result. */
export const OrderOutcome = z.discriminatedUnion('status', [ConfirmedOrder, EscalatedOrder]);
export type OrderOutcome = z.infer<typeof OrderOutcome>;

/**
 * An order was placed: (provider URL, order id, address, phone). Replaces itself with the
 * notification chord, whose body's result becomes this task's.
 */
export const placeOrder = defineTask('shop.place_order', {
  args: z.tuple([z.string(), z.string(), z.string(), z.string()]),
  result: OrderOutcome,
});

/**
 * The chord body: (the header's receipts, provider URL, order id) → the confirmed order,
 * or, when no notification was delivered, the alert task in its place (`ctx.replace`),
 * whose escalation becomes the result.
 */
export const markConfirmed = defineTask('shop.mark_confirmed', {
  args: z.tuple([z.array(Receipt), z.string(), z.string()]),
  result: OrderOutcome,
});

/**
 * Page the on-call: (cause, provider URL, order id). As the body's errback, the cause is
 * the failed task's id (an errback gets it as its first argument).
 */
export const alertOps = defineTask('shop.alert_ops', {
  args: z.tuple([z.string(), z.string(), z.string()]),
  result: EscalatedOrder,
});
