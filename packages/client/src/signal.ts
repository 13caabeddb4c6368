/**
 * `Signal<Payload>`: Celery's `celery.signals`, typed and async-aware. Handlers run in the
 * order they were connected, each awaited before the next; a handler that throws (or
 * rejects) is logged and skipped, never failing — or losing — the publish or the task
 * that sent the signal. The worker reuses this primitive for its own signals.
 */

/** Where a signal reports a failed handler; the worker's `Logger` fits. */
export interface SignalLogger {
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A signal handler; may be async (the sender awaits it). */
export type SignalHandler<Payload> = (payload: Payload) => void | PromiseLike<void>;

/** Options of {@link Signal}. */
export interface SignalOptions {
  /** Default logger for failed handlers; default `console.error`. */
  logger?: SignalLogger;
}

/** Options of {@link Signal.send}. */
export interface SendSignalOptions {
  /** The sender's logger, over the signal's own (the client's, the worker's). */
  logger?: SignalLogger;
}

const consoleLogger: SignalLogger = {
  error: (message, fields) => console.error(message, fields),
};

/**
 * A typed signal.
 *
 * @example
 * ```ts
 * const orderPlaced = new Signal<{ orderId: string }>('order_placed');
 * const disconnect = orderPlaced.connect(async ({ orderId }) => audit.write(orderId));
 * await orderPlaced.send({ orderId: 'o-1' }); // awaits the handlers, in order
 * disconnect();
 * ```
 */
export class Signal<Payload> {
  /** Celery's name for it (`before_task_publish`), used in logs. */
  readonly name: string;
  #handlers: readonly SignalHandler<Payload>[] = [];
  readonly #logger: SignalLogger;

  constructor(name: string, options: SignalOptions = {}) {
    this.name = name;
    this.#logger = options.logger ?? consoleLogger;
  }

  /** How many handlers are connected (senders skip building a payload when 0). */
  get receivers(): number {
    return this.#handlers.length;
  }

  /**
   * Connect a handler; returns the function that disconnects it. Connecting the same
   * function twice connects it once (Celery dedupes receivers too).
   */
  connect(handler: SignalHandler<Payload>): () => void {
    if (!this.#handlers.includes(handler)) this.#handlers = [...this.#handlers, handler];
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  /**
   * Run every handler connected now, in order, awaiting each. Never rejects: a failing
   * handler is logged with the signal's name and the error, and the next one runs.
   * Resolves with the number of handlers that failed.
   */
  async send(payload: Payload, options: SendSignalOptions = {}): Promise<number> {
    let failed = 0;
    // A snapshot: a handler that connects or disconnects others changes the next send.
    for (const handler of this.#handlers) {
      try {
        await handler(payload);
      } catch (error) {
        failed += 1;
        (options.logger ?? this.#logger).error(`Signal handler for ${this.name} raised`, {
          signal: this.name,
          handler: handler.name || '<anonymous>',
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
        });
      }
    }
    return failed;
  }
}
