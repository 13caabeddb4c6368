/**
 * Sending a signature found in a message — a link callback, an errback, the next chain
 * step, a chord body — through `@celeriac/client`, the way a Celery worker does: the
 * parent's result prepended unless immutable, `parent_id`/`root_id` from the sender, the
 * rest of a chain carried along, and the signature's own options (task id, queue,
 * routing, priority, countdown, expires, links, limits). The client adds the PRODUCER
 * span, so a workflow's steps stay in one trace.
 */
import type { Client } from '@celeriac/client';
import { decodeSignature, type ResultBackend, type SignatureJson } from '@celeriac/protocol';
import type { Logger } from '../logger.js';
import type { ResultWriter } from '../pipeline/result-writer.js';

/** How a follow-up signature (callback, errback, next chain step) is sent. */
export interface FollowUpOptions {
  /** Arguments to prepend unless the signature is immutable. */
  prependArgs: unknown[];
  parentId: string;
  rootId: string;
  /** Remaining chain (reversed, as embedded) for a chain step. */
  chain?: readonly SignatureJson[];
}

/** Sends one follow-up; rejects when it could not be sent. */
export type SendFollowUp = (signature: unknown, options: FollowUpOptions) => Promise<void>;

/** What the canvas steps of a finishing request use. */
export interface CanvasDeps {
  readonly send: SendFollowUp;
  readonly results: ResultWriter;
  /** The result backend itself, for chord counting. */
  readonly backend: ResultBackend;
  readonly logger: Logger;
}

/** A function that publishes follow-up signatures with `client`. */
export function createSignatureSender(client: Client): SendFollowUp {
  return async (signature, options) => {
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
