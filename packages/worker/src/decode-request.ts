/**
 * Delivery → {@link TaskRequest}, through the protocol's `decodeTaskMessage` (accept list,
 * decompression, JSON, v2 / hybrid / v1). Errors say what was wrong and where
 * (`DecodeError.path`, e.g. `headers.eta`, `body[0]`).
 */
import {
  argsRepr,
  decodeTaskMessage,
  kwargsRepr,
  type BrokerMessage,
  type Delivery,
} from '@celeriac/protocol';
import type { Acknowledgement } from './acknowledgement.js';
import { RequestPhase, type TaskRequest } from './task-request.js';

/** Options of {@link decodeRequest}. */
export interface DecodeRequestOptions {
  accept: readonly string[];
  now: number;
  makeAck: (delivery: Delivery) => Acknowledgement;
}

/** Task name and id from the headers, for logging a refused message. */
export function peekHeaders(message: BrokerMessage): { id?: string; name?: string } {
  const h = message.headers;
  const out: { id?: string; name?: string } = {};
  if (typeof h.id === 'string') out.id = h.id;
  if (typeof h.task === 'string') out.name = h.task;
  return out;
}

/** Decode a delivery into a request; throws `DecodeError` / `ContentDisallowedError`. */
export function decodeRequest(delivery: Delivery, options: DecodeRequestOptions): TaskRequest {
  const message = delivery.message;
  const decoded = decodeTaskMessage(message, { accept: options.accept });
  const h = decoded.headers;
  const props = message.properties;
  return {
    id: h.id,
    name: h.task,
    shadow: h.shadow,
    protocol: decoded.protocol,
    args: decoded.args,
    kwargs: decoded.kwargs,
    retries: h.retries,
    eta: h.eta === null ? null : h.eta.getTime(),
    expires: h.expires === null ? null : h.expires.getTime(),
    timeLimit: h.timelimit,
    rootId: h.rootId ?? h.id,
    parentId: h.parentId,
    groupId: h.group,
    groupIndex: h.groupIndex,
    ignoreResult: h.ignoreResult,
    argsrepr: h.argsrepr ?? argsRepr(decoded.args),
    kwargsrepr: h.kwargsrepr ?? kwargsRepr(decoded.kwargs),
    headers: message.headers,
    callbacks: decoded.embed.callbacks,
    errbacks: decoded.embed.errbacks,
    chain: decoded.embed.chain,
    chord: decoded.embed.chord,
    replyTo: props.replyTo || undefined,
    correlationId: props.correlationId,
    priority: props.priority ?? 0,
    message,
    delivery,
    ack: options.makeAck(delivery),
    receivedAt: options.now,
    phase: RequestPhase.received,
    timeStart: null,
  };
}
