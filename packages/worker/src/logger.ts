/**
 * The worker's logger: a small interface so applications plug in pino, winston or their
 * own, with a console default. Every rejection is logged with the task name, id, queue
 * and reason in `fields`.
 */

/** Log levels, most verbose first. */
export const LogLevel = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  silent: 'silent',
} as const;
/** One of the values of {@link LogLevel}. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Structured context of a log line. */
export type LogFields = Record<string, unknown>;

/** What the worker logs through. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /**
   * Whether lines at `level` are printed. Optional: without it every level counts as
   * enabled. The worker asks once, so per-task lines (`Task … succeeded in …`) cost
   * nothing at a level that drops them.
   */
  enabled?(level: Exclude<LogLevel, 'silent'>): boolean;
}

/** Whether `logger` prints `level` (true when it does not say). */
export function logsAt(logger: Logger, level: Exclude<LogLevel, 'silent'>): boolean {
  return logger.enabled?.(level) ?? true;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Lowest level printed; default `info`. */
  level?: LogLevel;
  /** Prefix of every line, e.g. the node name. */
  name?: string;
}

/** A logger printing `[level] name: message {fields}` to the console. */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const prefix = options.name ? `${options.name}: ` : '';
  const line =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: LogFields): void => {
      if (RANK[level] < min) return;
      const text = `[${level}] ${prefix}${message}`;
      const args: unknown[] = fields && Object.keys(fields).length > 0 ? [text, fields] : [text];
      console[level](...args);
    };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    enabled: (level) => RANK[level] >= min,
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  enabled: () => false,
};

/** A logger that records lines in memory, for tests and the inspection of rejections. */
export interface RecordingLogger extends Logger {
  readonly lines: { level: Exclude<LogLevel, 'silent'>; message: string; fields: LogFields }[];
}

/** Create a {@link RecordingLogger}. */
export function createRecordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const rec =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields: fields ?? {} });
    };
  return {
    lines,
    debug: rec('debug'),
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    enabled: () => true,
  };
}
