/**
 * Sending a signature found in a message (a link callback, errback or the next chain
 * step) as a new task message, the way a Celery worker does.
 */
import { randomUUID } from 'node:crypto';
import type { Transport } from '@celeriac/protocol';
import type { FollowUpOptions } from './runtime.js';

const encoder = new TextEncoder();

/** A function that publishes follow-up signatures through `transport`. */
export function createSignatureSender(transport: Transport) {
  return async (signature: unknown, options: FollowUpOptions): Promise<void> => {
    if (!signature || typeof signature !== 'object') throw new Error('not a signature object');
    const sig = signature as Record<string, unknown>;
    const opts = (sig.options ?? {}) as Record<string, unknown>;
    const name = String(sig.task);
    const sigArgs: unknown[] = Array.isArray(sig.args) ? (sig.args as unknown[]) : [];
    const args = sig.immutable === true ? sigArgs : [...options.prependArgs, ...sigArgs];
    const kwargs = (sig.kwargs ?? {}) as Record<string, unknown>;
    const id = typeof opts.task_id === 'string' ? opts.task_id : randomUUID();
    const queue = typeof opts.queue === 'string' ? opts.queue : 'celery';
    const exchange = typeof opts.exchange === 'string' ? opts.exchange : '';
    const routingKey = typeof opts.routing_key === 'string' ? opts.routing_key : queue;
    const embed = {
      callbacks: opts.link ?? null,
      errbacks: opts.link_error ?? null,
      chain: options.chain && options.chain.length > 0 ? options.chain : null,
      chord: opts.chord ?? null,
    };
    await transport.publish(
      {
        body: encoder.encode(JSON.stringify([args, kwargs, embed])),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        headers: {
          lang: 'py',
          task: name,
          id,
          shadow: null,
          eta: null,
          expires: null,
          group: opts.group_id ?? null,
          group_index: opts.group_index ?? null,
          retries: 0,
          timelimit: [opts.time_limit ?? null, opts.soft_time_limit ?? null],
          root_id: options.rootId,
          parent_id: options.parentId,
          argsrepr: JSON.stringify(args),
          kwargsrepr: JSON.stringify(kwargs),
          origin: `celeriac@${process.pid}`,
          ignore_result: false,
        },
        properties: {
          correlationId: id,
          deliveryMode: 2,
          priority: typeof opts.priority === 'number' ? opts.priority : 0,
          ...(typeof opts.reply_to === 'string' ? { replyTo: opts.reply_to } : {}),
        },
      },
      { exchange, routingKey },
    );
  };
}
