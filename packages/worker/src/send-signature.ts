/**
 * Sending a signature found in a message — a link callback, an errback, the next chain
 * step — as a new task message, the way a Celery worker does: the parent's result
 * prepended unless immutable, `parent_id`/`root_id` from the sender, the signature's
 * options (task id, queue, routing, priority, countdown/eta, expires, links, limits).
 */
import { randomUUID } from 'node:crypto';
import {
  decodeSignature,
  encodeTaskMessage,
  type SignatureJson,
  type Transport,
} from '@celeriac/protocol';
import type { FollowUpOptions } from './runtime.js';

const list = (value: SignatureJson | SignatureJson[] | undefined): SignatureJson[] | null =>
  value === undefined ? null : Array.isArray(value) ? value : [value];

/** A function that publishes follow-up signatures through `transport`. */
export function createSignatureSender(transport: Transport, origin: string, now: () => number) {
  return async (signature: unknown, options: FollowUpOptions): Promise<void> => {
    const sig = decodeSignature(signature);
    const opts = sig.options;
    const args = sig.immutable ? sig.args : [...options.prependArgs, ...sig.args];
    const id = opts.task_id ?? randomUUID();
    const queue = opts.queue ?? 'celery';
    const eta =
      opts.eta ??
      (typeof opts.countdown === 'number' ? new Date(now() + opts.countdown * 1000) : null);
    const expires =
      typeof opts.expires === 'number'
        ? new Date(now() + opts.expires * 1000)
        : (opts.expires ?? null);
    const message = encodeTaskMessage(
      {
        headers: {
          task: sig.task,
          id,
          shadow: opts.shadow ?? null,
          eta,
          expires,
          group: opts.group_id ?? null,
          groupIndex: opts.group_index ?? null,
          timelimit: [opts.time_limit ?? null, opts.soft_time_limit ?? null],
          rootId: options.rootId,
          parentId: options.parentId,
          origin,
          ignoreResult: opts.ignore_result ?? false,
          extraHeaders: opts.headers ?? {},
        },
        properties: {
          ...(opts.reply_to === undefined ? {} : { replyTo: opts.reply_to }),
          ...(opts.priority === undefined ? {} : { priority: opts.priority }),
        },
        args,
        kwargs: sig.kwargs,
        embed: {
          callbacks: list(opts.link),
          errbacks: list(opts.link_error),
          chain:
            options.chain && options.chain.length > 0 ? (options.chain as SignatureJson[]) : null,
          chord: opts.chord ?? null,
        },
      },
      { now: new Date(now()) },
    );
    // Celery: a direct route without an explicit exchange goes through the default
    // exchange with the queue name as routing key.
    const exchange = opts.exchange ?? '';
    const routingKey = opts.routing_key ?? queue;
    await transport.publish(message, { exchange, routingKey });
  };
}
