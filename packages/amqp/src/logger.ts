/**
 * Where `@celeriac/amqp` reports what it handles by itself (reconnections, stale acks),
 * so nothing it does silently goes unexplained.
 */

/** A minimal structured logger; pass your own (pino, console, a test spy). */
export interface AmqpLogger {
  warn(message: string, context?: Record<string, unknown>): void;
  debug?(message: string, context?: Record<string, unknown>): void;
}

/** Writes warnings to `console.warn` with a `[celeriac/amqp]` prefix. */
export const consoleLogger: AmqpLogger = {
  warn(message, context) {
    if (context === undefined) console.warn(`[celeriac/amqp] ${message}`);
    else console.warn(`[celeriac/amqp] ${message}`, context);
  },
};
