/**
 * Sending a signature found in a message — a link callback, an errback, the next chain
 * step — through `@celeriac/client`, the way a Celery worker does: the parent's result
 * prepended unless immutable, `parent_id`/`root_id` from the sender, the rest of a chain
 * carried along, and the signature's own options (task id, queue, routing, priority,
 * countdown, expires, links, limits). The client adds the PRODUCER span, so a workflow's
 * steps stay in one trace.
 */
import type { Client } from '@celeriac/client';
import { decodeSignature } from '@celeriac/protocol';
import type { FollowUpOptions } from './runtime.js';

/** A function that publishes follow-up signatures with `client`. */
export function createSignatureSender(client: Client) {
  return async (signature: unknown, options: FollowUpOptions): Promise<void> => {
    const sig = decodeSignature(signature);
    await client.sendSignature(sig, {
      args: options.prependArgs,
      parentId: options.parentId,
      rootId: options.rootId,
      // The rest of a chain arrives reversed (as embedded); the client takes call order.
      ...(options.chain && options.chain.length > 0 ? { chain: [...options.chain].reverse() } : {}),
    });
  };
}
