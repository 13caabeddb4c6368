/**
 * One connection attempt: every host of the broker URL once, in the order given, each
 * bounded by a timeout and abandoned at once when the signal aborts. It logs nothing: it
 * returns the connection or throws one {@link AmqpConnectError} saying, in one line, why
 * each host failed. Retrying is the caller's decision (the worker at start-up, the
 * connection's own recovery after an outage).
 */
import './amqplib-field-table-patch.js';
import type { ChannelModel, Options, SocketOptions } from 'amqplib';
import { connect as amqpConnect } from 'amqplib';
import { isFatal, toError } from './connection-errors.js';
import { AmqpConnectError } from './errors.js';
import type { HostFailure } from './errors.js';
import type { UrlTls } from './tls-params.js';

/** One host of a broker URL, ready to connect to. */
export interface BrokerHost {
  /** amqplib's connect options for this host. */
  readonly connect: Options.Connect;
  /** This host's URL with the password masked, for logs and errors. */
  readonly describe: string;
  /** TLS parameters of the URL entry (files to read per attempt). */
  readonly tls?: UrlTls;
}

/** How {@link connectOnce} connects. */
export interface AttemptOptions {
  /** Bound on one host's TCP, TLS and AMQP handshakes together. */
  readonly timeoutMs: number;
  /** Socket options for a host (TLS material, client properties); read per attempt. */
  readonly socketOptions: (host: BrokerHost) => Promise<Record<string, unknown>>;
  /** Aborts the attempt: the pending host is abandoned and its socket destroyed. */
  readonly signal: AbortSignal;
}

/** A connection made by {@link connectOnce} and the host it reached. */
export interface Connected {
  readonly model: ChannelModel;
  readonly host: BrokerHost;
}

/** Thrown by {@link connectOnce} when its signal aborted; the caller knows why. */
export class AttemptAborted extends Error {}

const TLS_CODE =
  /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|ERR_SSL|ERR_TLS|HOSTNAME|EPROTO|ISSUER/;

/** Why connecting failed, in one line an operator can act on. */
export function describeFailure(error: unknown, timeoutMs: number): string {
  const err = toError(error);
  const code = (err as { code?: unknown }).code;
  const message = err.message.replace(/\s+/g, ' ').trim();
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `host unreachable (${code})`;
  if (code === 'ECONNRESET') return 'connection reset by the peer (ECONNRESET)';
  if (message === 'connect ETIMEDOUT' || code === 'ETIMEDOUT') {
    return `no answer within ${timeoutMs} ms`;
  }
  if (typeof code === 'string' && TLS_CODE.test(code)) return `TLS: ${message} (${code})`;
  return message;
}

/** amqplib's connect, abandoned (and the late connection closed) when `signal` aborts. */
function connectHost(
  host: BrokerHost,
  socketOptions: Record<string, unknown>,
  signal: AbortSignal,
): Promise<ChannelModel> {
  // `signal` reaches net.Socket, which destroys a plain socket on abort; a TLS socket
  // ignores it, so the race below also settles at once and closes what arrives late.
  const options: SocketOptions & { signal: AbortSignal } = { ...socketOptions, signal };
  const pending: Promise<ChannelModel> = amqpConnect(host.connect, options);
  return new Promise<ChannelModel>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new AttemptAborted('aborted'));
      pending.then(
        (model) => model.close(),
        // The abandoned attempt failed on its own: nothing was opened, nothing to close.
        () => undefined,
      );
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (model) => {
        signal.removeEventListener('abort', onAbort);
        resolve(model);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? new AttemptAborted('aborted') : toError(error));
      },
    );
  });
}

/**
 * Connect to the first host of `hosts` that answers, trying each once in order. Throws
 * {@link AmqpConnectError} (one line, every host's reason) when none does, and
 * {@link AttemptAborted} when `options.signal` aborts.
 */
export async function connectOnce(
  hosts: readonly BrokerHost[],
  describe: string,
  options: AttemptOptions,
): Promise<Connected> {
  const failures: HostFailure[] = [];
  const causes: unknown[] = [];
  for (const host of hosts) {
    if (options.signal.aborted) throw new AttemptAborted('aborted');
    try {
      const socketOptions = await options.socketOptions(host);
      const model = await connectHost(
        host,
        { timeout: options.timeoutMs, ...socketOptions },
        options.signal,
      );
      return { model, host };
    } catch (error) {
      if (error instanceof AttemptAborted) throw error;
      failures.push({ host: host.describe, reason: describeFailure(error, options.timeoutMs) });
      causes.push(error);
    }
  }
  throw new AmqpConnectError(describe, failures, {
    cause: causes.length === 1 ? causes[0] : new AggregateError(causes),
    retryable: !causes.every(isFatal),
  });
}
