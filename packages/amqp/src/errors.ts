/**
 * Errors of `@celeriac/amqp`. All extend protocol's `TransportError` (code
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

/** One host of a broker URL and why connecting to it failed (one line). */
export interface HostFailure {
  /** The host's URL, password masked. */
  readonly host: string;
  /** Why, in one line: `connection refused (ECONNREFUSED)`, `TLS: …`, `no answer within 10000 ms`. */
  readonly reason: string;
}

/**
 * One connection attempt over every host of the broker URL failed. The message is one line
 * naming the masked URL and each host's reason; `retryable` is false only when every host
 * refused for a reason a retry cannot fix (bad credentials, unknown virtual host).
 */
export class AmqpConnectError extends TransportError {
  /** The broker URL, passwords masked. */
  readonly url: string;
  /** Each host tried, in the order tried. */
  readonly failures: readonly HostFailure[];
  constructor(
    url: string,
    failures: readonly HostFailure[],
    options: { cause?: unknown; retryable: boolean },
  ) {
    const [only] = failures;
    const reasons =
      failures.length === 1 && only !== undefined
        ? only.reason
        : failures.map((f) => `${f.host}: ${f.reason}`).join('; ');
    super(`Could not connect to ${url}: ${reasons}`, options);
    this.url = url;
    this.failures = failures;
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
