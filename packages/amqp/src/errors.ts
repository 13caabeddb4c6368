/**
 * Errors of `@celeriac/amqp`. Both extend protocol's `TransportError` (code
 * `ERR_TRANSPORT`), so callers that branch on `err.code` need nothing new.
 */
import { TransportError } from '@celeriac/protocol';

/** A broker URL that cannot be used; the message names what is wrong (password redacted). */
export class AmqpUrlError extends TransportError {
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(`Invalid AMQP URL ${JSON.stringify(url.replace(/:[^:/@]*@/, ':****@'))}: ${reason}`, {
      ...options,
      retryable: false,
    });
  }
}

/** Why the `rpc://` result backend refused an operation. */
export const RpcBackendErrorReason = {
  /** `store` was called without the task message's `reply_to`. */
  noReplyTo: 'no-reply-to',
  /** Groups and chords need a stored result; `rpc://` only sends messages. */
  unsupported: 'unsupported',
} as const;
/** One of the values of {@link RpcBackendErrorReason}. */
export type RpcBackendErrorReason =
  (typeof RpcBackendErrorReason)[keyof typeof RpcBackendErrorReason];

/** The `rpc://` result backend cannot do what was asked; `reason` says why. */
export class RpcBackendError extends TransportError {
  /** Why the operation was refused. */
  readonly reason: RpcBackendErrorReason;
  constructor(reason: RpcBackendErrorReason, message: string) {
    super(message, { retryable: false });
    this.reason = reason;
  }
}
