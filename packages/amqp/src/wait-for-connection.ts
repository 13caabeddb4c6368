/**
 * Waiting for a connection that may be down: what publishes, declarations and new
 * consumers do during an outage, bounded by a timeout and an optional AbortSignal.
 */
import type { TransportStatusEvent } from '@celeriac/protocol';
import { ClosedError, ConnectionLostError, TransportStatus } from '@celeriac/protocol';
import type { LiveConnection } from './amqp-connection.js';

/** What {@link waitForConnection} watches: an `AmqpConnection`. */
export interface ConnectionSource {
  readonly status: TransportStatus;
  readonly live: LiveConnection | undefined;
  connect(): Promise<void>;
  onStatus(listener: (event: TransportStatusEvent) => void): () => void;
}

/**
 * The live connection of `source`, connecting it first when idle and waiting up to
 * `timeoutMs` for a (re)connection. Rejects with `ConnectionLostError` when the wait runs
 * out, `ClosedError` once closing, and the abort reason when `signal` fires.
 */
export async function waitForConnection(
  source: ConnectionSource,
  describe: string,
  timeoutMs: number,
  what: string,
  signal?: AbortSignal,
): Promise<LiveConnection> {
  const live = source.live;
  if (live !== undefined) return live;
  if (source.status === TransportStatus.closing || source.status === TransportStatus.closed) {
    throw new ClosedError(`AMQP transport (${describe})`);
  }
  if (source.status === TransportStatus.idle) await source.connect();
  return new Promise<LiveConnection>((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      stop();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      settle();
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(
      () => {
        settle();
        reject(
          new ConnectionLostError(
            `${what}: no connection to ${describe} within ${timeoutMs} ms (status ${source.status})`,
          ),
        );
      },
      Math.max(0, timeoutMs),
    );
    const stop = source.onStatus(({ status, error }) => {
      const now = source.live;
      if (status === TransportStatus.connected && now !== undefined) {
        settle();
        resolve(now);
      } else if (status === TransportStatus.closing || status === TransportStatus.closed) {
        settle();
        reject(new ClosedError(`AMQP transport (${describe})`));
      } else if (status === TransportStatus.idle) {
        // A connect attempt someone else started failed: so does this wait.
        settle();
        reject(error ?? new ConnectionLostError(`${what}: could not connect to ${describe}`));
      }
    });
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const now = source.live;
    if (now !== undefined) {
      settle();
      resolve(now);
    }
  });
}
