/**
 * Where beat writes what an operator must see: entries refused at start, leadership
 * changes, sends that failed. The same shape as `@celeriac/worker`'s `Logger`, so a
 * worker's logger can be passed as is to an embedded beat.
 */

/** Structured fields of a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** A logger. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function line(level: string, message: string, fields: LogFields | undefined): string {
  const extra =
    fields === undefined || Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(fields)}`;
  return `[${new Date().toISOString()}: ${level}/beat] ${message}${extra}`;
}

/** The default logger: info and above on the console, one line each. */
export const consoleLogger: Logger = {
  debug: () => undefined,
  info: (message, fields) => console.info(line('INFO', message, fields)),
  warn: (message, fields) => console.warn(line('WARNING', message, fields)),
  error: (message, fields) => console.error(line('ERROR', message, fields)),
};
