/**
 * Delivery → {@link TaskRequest}, through the protocol's `decodeTaskMessage` (accept list,
 * decompression, JSON, v2 / hybrid / v1), or a {@link Refusal} that says what was wrong
 * and where (`DecodeError.path`, e.g. `headers.eta`, `body[0]`). A request whose
 * callbacks, errbacks, chain or chord nest deeper than the worker can send on is refused
 * here, before it runs.
 */
import {
  argsRepr,
  ContentDisallowedError,
  DecodeError,
  decodeTaskMessage,
  type AuthSerializer,
  kwargsRepr,
  type BrokerMessage,
  type Delivery,
} from '@celeriac/protocol';
import { MAX_SIGNATURE_NESTING, signatureNesting } from '../canvas/nesting.js';
import { NestingTooDeepError } from '../errors.js';
import { Acknowledgement } from './acknowledgement.js';
import { RequestPhase, type TaskRequest } from './request.js';

/** A delivery the worker will not run, and why. */
export class Refusal {
  /** Task name and id from the headers, when they could be read. */
  readonly name: string | undefined;
  readonly id: string | undefined;
  /** One line: what was wrong, and where. */
  readonly reason: string;
  /** Where in the message (`DecodeError.path`), when known. */
  readonly path: string | undefined;
  /** The decoded request, when only its nesting was refused (its result can be stored). */
  readonly request: TaskRequest | undefined;
  readonly error: Error;

  constructor(delivery: Delivery, error: unknown, request?: TaskRequest) {
    const peek = peekHeaders(delivery.message);
    this.name = peek.name;
    this.id = peek.id;
    this.request = request;
    this.error = error instanceof Error ? error : new Error(String(error));
    this.path = error instanceof DecodeError ? error.path : undefined;
    this.reason =
      error instanceof ContentDisallowedError || error instanceof DecodeError
        ? error.message
        : error instanceof NestingTooDeepError
          ? error.message
          : `undecodable message: ${this.error.message}`;
  }
}

/** Task name and id from the headers, for logging a refused message. */
function peekHeaders(message: BrokerMessage): { id?: string; name?: string } {
  const h = message.headers;
  const out: { id?: string; name?: string } = {};
  if (typeof h.id === 'string') out.id = h.id;
  if (typeof h.task === 'string') out.name = h.task;
  return out;
}

/** Decode a delivery into a request, or say why it is refused. Never throws. */
export function decodeRequest(
  delivery: Delivery,
  accept: readonly string[],
  now: number,
  auth?: AuthSerializer,
): TaskRequest | Refusal {
  let request: TaskRequest;
  try {
    request = decode(delivery, accept, now, auth);
  } catch (error) {
    return new Refusal(delivery, error);
  }
  if (request.callbacks || request.errbacks || request.chain || request.chord) {
    const depth = signatureNesting([
      request.callbacks,
      request.errbacks,
      request.chain,
      request.chord,
    ]);
    if (depth > MAX_SIGNATURE_NESTING) {
      return new Refusal(delivery, new NestingTooDeepError(depth, MAX_SIGNATURE_NESTING), request);
    }
  }
  return request;
}

function decode(
  delivery: Delivery,
  accept: readonly string[],
  now: number,
  auth: AuthSerializer | undefined,
): TaskRequest {
  const message = delivery.message;
  // With `auth`, only bodies signed by a trusted certificate decode (SignatureError else).
  const decoded = decodeTaskMessage(message, auth === undefined ? { accept } : { accept, auth });
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
    ack: new Acknowledgement(delivery),
    receivedAt: now,
    phase: RequestPhase.received,
    timeStart: null,
    workerPid: null,
  };
}
