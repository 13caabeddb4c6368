/**
 * Event and document contracts — the two kinds of message besides a command (a task),
 * in Enterprise Integration Patterns' terms. An **event** says that something happened
 * (`order.created`); each subscription decides what to do, so one event becomes one task
 * per subscription. A **document** is data handed on (`invoice.pdf-ready`) for a
 * transformer to turn into the next document, event or task. Both are a name and a zod
 * schema of the payload, imported by publisher and consumer alike, as task contracts are.
 */
import type { z } from 'zod';
import { ValidationError } from './errors.js';
import { zodIssues } from './task-contract.js';
import { assertTopic } from './topic-pattern.js';

/** The two kinds of non-command message. */
export const MessageKind = {
  /** Something happened; every matching subscription gets it once. */
  event: 'event',
  /** Data to transform; its subscriptions (transformers) get it once each. */
  document: 'document',
} as const;
/** One of the values of {@link MessageKind}. */
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** A typed event or document: its kind, name and payload schema. */
export interface MessageContract<K extends MessageKind = MessageKind, T = unknown> {
  readonly kind: K;
  /** Dot-separated words, the topic subscriptions match: `order.created`. */
  readonly name: string;
  readonly schema: z.ZodType<T>;
  /**
   * Validate a payload; returns it parsed (zod defaults and transforms applied) or throws
   * `ValidationError` with every issue and its path, e.g. `Invalid payload of event
   * order.created: payload.total: expected number, received string`.
   */
  parse(payload: unknown): T;
}

/** An event contract: `defineEvent('order.created', schema)`. */
export type EventContract<T = unknown> = MessageContract<typeof MessageKind.event, T>;
/** A document contract: `defineDocument('order.analytics', schema)`. */
export type DocumentContract<T = unknown> = MessageContract<typeof MessageKind.document, T>;
/** Any event or document contract. */
export type AnyMessageContract = MessageContract<MessageKind, never> | MessageContract;
/** The payload type of a contract. */
export type PayloadOf<C> = C extends MessageContract<MessageKind, infer T> ? T : never;

function define<K extends MessageKind, S extends z.ZodType>(
  kind: K,
  name: string,
  schema: S,
): MessageContract<K, z.output<S>> {
  assertTopic(name, `${kind} name`);
  return Object.freeze({
    kind,
    name,
    schema: schema as unknown as z.ZodType<z.output<S>>,
    parse(payload: unknown): z.output<S> {
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        throw new ValidationError(
          `Invalid payload of ${kind} ${name}`,
          zodIssues('payload', parsed.error),
        );
      }
      return parsed.data;
    },
  });
}

/**
 * Define an event: `defineEvent('order.created', z.object({ orderId: z.string() }))`.
 * The name must be dot-separated words without `*` or `#` (`ValidationError` otherwise).
 */
export function defineEvent<S extends z.ZodType>(
  name: string,
  schema: S,
): EventContract<z.output<S>> {
  return define(MessageKind.event, name, schema);
}

/** Define a document: `defineDocument('order.analytics', z.object({ … }))`. */
export function defineDocument<S extends z.ZodType>(
  name: string,
  schema: S,
): DocumentContract<z.output<S>> {
  return define(MessageKind.document, name, schema);
}
