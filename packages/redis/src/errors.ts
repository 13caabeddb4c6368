/**
 * Errors of the Redis transport and result backend beyond the shared ones of
 * `@celeriac/protocol`.
 */
import { TransportError } from '@celeriac/protocol';

/**
 * One attempt to connect to Redis failed (every host of the URL was tried once). The
 * message is one line: the URL with its password masked, then the cause as the driver
 * or the TLS layer gave it. Retrying is the caller's choice (the worker retries at
 * start-up as Celery does); `retryable` is true.
 */
export class RedisConnectionError extends TransportError {
  /** The URL connected to, with any password replaced by `***`. */
  readonly url: string;
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(`Cannot connect to Redis at ${url}: ${reason}`, {
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
      retryable: true,
    });
    this.url = url;
  }
}
