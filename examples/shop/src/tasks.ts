/**
 * Task contracts of the shop: names and zod schemas shared by whoever sends the tasks
 * and whoever runs them (a Python client can send them by name too).
 */
import { z } from 'zod';
import { defineTask } from 'celeriac';

/** What the notification provider answers for a message it accepted. */
export const Receipt = z.object({ channel: z.string(), messageId: z.string() });
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

/** The confirmed order (the chord body's result, and so `place_order`'s). */
export const ConfirmedOrder = z.object({
  orderId: z.string(),
  status: z.literal('confirmed'),
  receipts: z.number(),
});

/**
 * An order was placed: (provider URL, order id, address, phone). Replaces itself with the
 * notification chord, whose body's result becomes this task's.
 */
export const placeOrder = defineTask('shop.place_order', {
  args: z.tuple([z.string(), z.string(), z.string(), z.string()]),
  result: ConfirmedOrder,
});

/** The chord body: (the header's receipts, order id) → the confirmed order. */
export const markConfirmed = defineTask('shop.mark_confirmed', {
  args: z.tuple([z.array(Receipt), z.string()]),
  result: ConfirmedOrder,
});

/** The errback: (the failed task's id, provider URL, order id) → pages the on-call. */
export const alertOps = defineTask('shop.alert_ops', {
  args: z.tuple([z.string(), z.string(), z.string()]),
  result: z.string(),
});
