/**
 * Authorizing remote-control commands with the cluster's control key. Anyone who can
 * reach the broker can publish to `celery.pidbox`; what celeriac adds is that reaching the
 * broker is not enough to stop or reconfigure its workers.
 *
 * A caller with the key adds one header, which Python workers ignore:
 *
 *     celeriac_signature: t=<unix ms>,n=<nonce>,v1=<hex HMAC-SHA256>
 *
 * The HMAC covers `"celeriac-control-v1\n" + t + "\n" + n + "\n"` followed by the body
 * bytes exactly as published. The body holds the method, its arguments and the
 * destination, so a signature cannot be moved to another command or another node. A
 * worker accepts a signature made within `windowMs` of its own clock (either way, for
 * clock skew) and remembers each nonce until its signature leaves the window, so the same
 * message replayed — within the window or after — is refused. Nonces are kept per worker
 * process in memory: a broadcast reaches each worker once, so one signed command acts on
 * every addressed worker exactly once.
 *
 * What needs a signature is `control-commands.ts`'s decision: changing commands do,
 * read-only `inspect` commands and `ping` do not.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BrokerMessage } from './broker-message.js';
import { ControlCommandKind, controlCommandKind } from './control-commands.js';
import { ControlAuthorizationError, ControlRefusal, SecurityConfigError } from './errors.js';
import type { ControlRequest } from './remote-control.js';

/** The message header carrying a control request's signature. */
export const CONTROL_SIGNATURE_HEADER = 'celeriac_signature';
/** Default replay window: a signature is good for 30 s either side of the worker's clock. */
export const DEFAULT_CONTROL_WINDOW_MS = 30_000;
/** Shortest control key accepted: 16 bytes (use 32 random bytes). */
export const MIN_CONTROL_KEY_BYTES = 16;

/** The control key: bytes, or text taken as its UTF-8 bytes. */
export type ControlKey = string | Uint8Array;

const DOMAIN = 'celeriac-control-v1\n';
const HEADER_FORM = /^t=(\d{1,15}),n=([A-Za-z0-9_-]{16,64}),v1=([0-9a-f]{64})$/;
/** Nonces remembered at most; past it the oldest are forgotten first. */
const MAX_REMEMBERED = 100_000;

/**
 * The bytes of a control key; throws `SecurityConfigError` (one line) when it is shorter
 * than {@link MIN_CONTROL_KEY_BYTES}. Signers and workers call it at start-up so that a
 * bad key fails there, not at the first command.
 */
export function controlKeyBytes(key: ControlKey): Uint8Array {
  const bytes = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  if (bytes.length < MIN_CONTROL_KEY_BYTES) {
    throw new SecurityConfigError(
      `the control key is ${bytes.length} bytes; at least ${MIN_CONTROL_KEY_BYTES} are needed ` +
        '(generate one with `openssl rand -hex 32`)',
    );
  }
  return bytes;
}

function mac(key: Uint8Array, timestamp: number, nonce: string, body: Uint8Array): Buffer {
  return createHmac('sha256', key)
    .update(`${DOMAIN}${timestamp}\n${nonce}\n`)
    .update(body)
    .digest();
}

/** Options of {@link signControlRequest}. */
export interface SignControlRequestOptions {
  /** Unix ms of the signature; default now. */
  now?: number;
  /** The nonce; default 16 random bytes, base64url. */
  nonce?: string;
}

/**
 * `message` (a request from `encodeControlRequest`) with its signature header added.
 * Sign last: any later change to the body breaks the signature.
 */
export function signControlRequest(
  message: BrokerMessage,
  key: ControlKey,
  options: SignControlRequestOptions = {},
): BrokerMessage {
  const timestamp = Math.floor(options.now ?? Date.now());
  const nonce = options.nonce ?? randomBytes(16).toString('base64url');
  const signature = mac(controlKeyBytes(key), timestamp, nonce, message.body).toString('hex');
  return {
    ...message,
    headers: {
      ...message.headers,
      [CONTROL_SIGNATURE_HEADER]: `t=${timestamp},n=${nonce},v1=${signature}`,
    },
  };
}

/** A signature that checked out. */
export interface ControlSignature {
  /** When it was made (unix ms, the signer's clock). */
  timestamp: number;
  nonce: string;
}

/** Options of {@link verifyControlRequest}. */
export interface VerifyControlRequestOptions {
  /** Unix ms now; default `Date.now()`. */
  now?: number;
  /** Accept signatures made at most this long before or after now; default 30 s. */
  windowMs?: number;
}

type Check =
  { ok: true; signature: ControlSignature } | { ok: false; reason: ControlRefusal; detail: string };

function check(message: BrokerMessage, key: Uint8Array, now: number, windowMs: number): Check {
  const header = message.headers[CONTROL_SIGNATURE_HEADER];
  if (header === undefined || header === null) {
    return { ok: false, reason: ControlRefusal.unsigned, detail: 'no signature header' };
  }
  const parts = typeof header === 'string' ? HEADER_FORM.exec(header) : null;
  if (parts === null) {
    return {
      ok: false,
      reason: ControlRefusal.malformed,
      detail: `header ${CONTROL_SIGNATURE_HEADER} is not t=…,n=…,v1=…`,
    };
  }
  const timestamp = Number(parts[1]);
  const nonce = parts[2]!;
  const expected = mac(key, timestamp, nonce, message.body);
  if (!timingSafeEqual(expected, Buffer.from(parts[3]!, 'hex'))) {
    return {
      ok: false,
      reason: ControlRefusal.badSignature,
      detail: 'the signature does not match (tampered, or signed with another key)',
    };
  }
  const skew = now - timestamp;
  if (Math.abs(skew) > windowMs) {
    const seconds = (Math.abs(skew) / 1000).toFixed(1);
    return {
      ok: false,
      reason: ControlRefusal.outsideWindow,
      detail:
        `signed ${seconds} s ${skew > 0 ? 'ago' : 'in the future'}, outside the ` +
        `${windowMs / 1000} s window (a replay, or clocks out of sync)`,
    };
  }
  return { ok: true, signature: { timestamp, nonce } };
}

/**
 * Check a control request's signature with `key`: present, well-formed, matching the
 * body (compared in constant time), and made within the window. Throws
 * {@link ControlAuthorizationError} with reason `unsigned`, `malformed`, `bad-signature`
 * or `outside-window`. It does not remember nonces: {@link createControlAuthorizer} does.
 */
export function verifyControlRequest(
  message: BrokerMessage,
  key: ControlKey,
  options: VerifyControlRequestOptions = {},
): ControlSignature {
  const result = check(
    message,
    controlKeyBytes(key),
    options.now ?? Date.now(),
    options.windowMs ?? DEFAULT_CONTROL_WINDOW_MS,
  );
  if (!result.ok) throw new ControlAuthorizationError(result.reason, result.detail);
  return result.signature;
}

/** What a worker does with a control request: run it, or refuse it and say why. */
export type ControlVerdict =
  | {
      allowed: true;
      /** Whether a valid signature came with it (false for read-only or allowed unsigned). */
      signed: boolean;
    }
  | { allowed: false; error: ControlAuthorizationError };

/** Options of {@link createControlAuthorizer}: a worker's control settings. */
export interface ControlAuthorizerOptions {
  /** The cluster's control key; without it, changing commands are refused (or all allowed). */
  key?: ControlKey;
  /**
   * Run unsigned changing commands too (`--allow-unsigned-control`: Celery's behaviour,
   * for fleets operated with Python's `celery control`). A signature that is present is
   * still checked when there is a key.
   */
  allowUnsigned?: boolean;
  /** Replay window; default 30 s. */
  windowMs?: number;
  /** Unix ms now; default `Date.now`. */
  now?: () => number;
}

/** A worker's gate for remote control; holds the nonces seen within the window. */
export interface ControlAuthorizer {
  /** Whether changing commands must be signed (false with `allowUnsigned`). */
  readonly requiresSignature: boolean;
  /**
   * Decide on a decoded request (after `matchesDestination`). Read-only commands are
   * allowed as they are; changing ones need a valid, fresh, unseen signature.
   */
  authorize(message: BrokerMessage, request: ControlRequest): ControlVerdict;
}

/** Who sent a request, as far as the message tells: its reply queue (the caller's oid). */
export function controlSender(request: ControlRequest): string {
  return request.replyTo === undefined
    ? 'a caller that asked for no reply'
    : `caller ${request.replyTo.routingKey}`;
}

/**
 * The remote-control policy of a worker. With a key: changing commands must carry a
 * valid signature made within the window and not seen before; without one: changing
 * commands are refused (`no-key`). `allowUnsigned` lets unsigned ones through (a
 * signature that is there is still checked when there is a key).
 *
 * @example
 * ```ts
 * const gate = createControlAuthorizer({ key: process.env.CELERIAC_CONTROL_KEY });
 * const verdict = gate.authorize(delivery.message, request);
 * if (!verdict.allowed) logger.warn(verdict.error.message); // and reply {error: …}
 * ```
 */
export function createControlAuthorizer(options: ControlAuthorizerOptions = {}): ControlAuthorizer {
  const key = options.key === undefined ? undefined : controlKeyBytes(options.key);
  const allowUnsigned = options.allowUnsigned ?? false;
  const windowMs = options.windowMs ?? DEFAULT_CONTROL_WINDOW_MS;
  const clock = options.now ?? Date.now;
  /** nonce → when its signature leaves the window (unix ms); oldest first. */
  const seen = new Map<string, number>();

  function remember(signature: ControlSignature, now: number): boolean {
    for (const [nonce, until] of seen) {
      if (until >= now && seen.size < MAX_REMEMBERED) break;
      seen.delete(nonce);
    }
    if (seen.has(signature.nonce)) return false;
    seen.set(signature.nonce, signature.timestamp + windowMs);
    return true;
  }

  function authorize(message: BrokerMessage, request: ControlRequest): ControlVerdict {
    if (controlCommandKind(request.method) === ControlCommandKind.readOnly) {
      return { allowed: true, signed: false };
    }
    const refuse = (reason: ControlRefusal, detail: string): ControlVerdict => ({
      allowed: false,
      error: new ControlAuthorizationError(reason, detail, {
        method: request.method,
        sender: controlSender(request),
      }),
    });
    const present = message.headers[CONTROL_SIGNATURE_HEADER] !== undefined;
    if (key === undefined) {
      if (allowUnsigned) return { allowed: true, signed: false };
      return refuse(
        ControlRefusal.noKey,
        'this worker has no control key (CELERIAC_CONTROL_KEY or --control-key-file), so it ' +
          'runs no changing command; --allow-unsigned-control runs unsigned ones',
      );
    }
    if (!present && allowUnsigned) return { allowed: true, signed: false };
    const now = clock();
    const result = check(message, key, now, windowMs);
    if (!result.ok) {
      const hint =
        result.reason === ControlRefusal.unsigned
          ? '; sign it with the control key (celeriac control, app.control)'
          : '';
      return refuse(result.reason, result.detail + hint);
    }
    if (!remember(result.signature, now)) {
      return refuse(ControlRefusal.replayed, `nonce ${result.signature.nonce} was already used`);
    }
    return { allowed: true, signed: true };
  }

  return { requiresSignature: !allowUnsigned, authorize };
}
