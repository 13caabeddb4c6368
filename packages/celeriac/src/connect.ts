/**
 * Connecting an app's broker and result backend with a bound and with errors that say
 * which of the two failed and where. A transport makes one attempt per `connect()` and
 * rejects with a reason; the bound covers a connect that never answers (a black-holed
 * host). A failed pair is closed, so no retry keeps running behind the caller.
 */
import type { ResultBackend, Transport } from '@celeriac/protocol';
import type { ConnectRole } from './errors.js';
import { ConnectError } from './errors.js';

/** Default bound of {@link connectPair} (Celery waits 4 s per attempt; links can be slower). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How long a failed connect waits for both to close before it reports. */
const CLOSE_GRACE_MS = 2_000;

/** What {@link connectPair} connects. */
export interface ConnectionPair {
  transport: Transport;
  backend: ResultBackend;
  brokerUrl: string;
  backendUrl: string;
}

/**
 * Connect both within `timeoutMs`. On a failure both are closed and it is thrown as a
 * {@link ConnectError} naming the broker or the backend and its URL — the broker first
 * when both failed (a backend on the same server fails with it); after the bound, a
 * failure seen so far, else the one that has not answered.
 */
export async function connectPair(pair: ConnectionPair, timeoutMs: number): Promise<void> {
  const pending = new Set<ConnectRole>(['broker', 'result backend']);
  const failures = new Map<ConnectRole, ConnectError>();
  const connect = async (role: ConnectRole, url: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      const failure = new ConnectError(role, url, error);
      failures.set(role, failure);
      throw failure;
    } finally {
      pending.delete(role);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const silent = (role: ConnectRole, url: string) =>
        pending.has(role)
          ? new ConnectError(role, url, `no answer within ${timeoutMs / 1000} s`)
          : undefined;
      const error =
        failures.get('broker') ??
        silent('broker', pair.brokerUrl) ??
        failures.get('result backend') ??
        silent('result backend', pair.backendUrl) ??
        new ConnectError('broker', pair.brokerUrl, 'connect did not settle');
      reject(error);
    }, timeoutMs);
  });
  try {
    // Both settle (within the bound) so that a broker that failed is the one named even
    // when the backend on the same server failed first.
    const settled = await Promise.race([
      Promise.allSettled([
        connect('broker', pair.brokerUrl, () => pair.transport.connect()),
        connect('result backend', pair.backendUrl, () => pair.backend.connect()),
      ]),
      deadline,
    ]);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    // close() aborts a connect still in flight (the transport contract) and releases a
    // connection made; the grace only bounds a transport that keeps retrying instead.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([pair.transport.close(), pair.backend.close()]),
      new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS))),
    ]);
    clearTimeout(grace);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
