/**
 * Where the monitor reports what it does not throw: malformed events, a queue whose
 * length could not be read, a listener that threw. The worker's `Logger` fits.
 */

/** The monitor's logger. */
export interface MonitorLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** The default: `console.warn`. */
export const consoleLogger: MonitorLogger = {
  warn: (message, fields) => console.warn(message, fields),
};
