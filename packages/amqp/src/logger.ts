/**
 * Where `@celeriac/amqp` reports what it handles by itself (reconnections, stale acks),
 * so nothing it does silently goes unexplained. Each report is one line.
 */

/** A minimal structured logger; pass your own (pino, console, a test spy). */
export interface AmqpLogger {
  warn(message: string, context?: Record<string, unknown>): void;
  debug?(message: string, context?: Record<string, unknown>): void;
}

/** A context value on one line: errors by their message, the rest as JSON. */
function show(value: unknown): string {
  if (value instanceof Error) return value.message.replace(/\s+/g, ' ').trim();
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle or a BigInt: the plain string form still says something.
    return String(value);
  }
}

/** `message (key=value, …)` on one line; what {@link consoleLogger} prints. */
export function formatLogLine(message: string, context?: Record<string, unknown>): string {
  const entries = Object.entries(context ?? {}).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return message;
  return `${message} (${entries.map(([key, value]) => `${key}=${show(value)}`).join(', ')})`;
}

/** Writes one line per warning to `console.warn`, prefixed `[celeriac/amqp]`. */
export const consoleLogger: AmqpLogger = {
  warn(message, context) {
    console.warn(`[celeriac/amqp] ${formatLogLine(message, context)}`);
  },
};
