/**
 * The errors the `celeriac` package throws on purpose. Each has a stable `code`; the CLI
 * prints their one-line message (no stack: they are expected failures), except
 * {@link AppImportError}, whose cause is the user's own bug and keeps its stack.
 */
import { CeleriacError, ErrorCode } from '@celeriac/protocol';
import { maskUrl } from './mask-url.js';

/** Stable codes of the errors below (besides {@link UnsupportedUrlError}'s `ERR_TRANSPORT`). */
export const AppErrorCode = {
  connect: 'ERR_CONNECT',
  appLoad: 'ERR_APP_LOAD',
  appImport: 'ERR_APP_IMPORT',
  usage: 'ERR_USAGE',
  listen: 'ERR_LISTEN',
} as const;
/** One of the values of {@link AppErrorCode}. */
export type AppErrorCode = (typeof AppErrorCode)[keyof typeof AppErrorCode];

/** A URL celeriac cannot use: the message says which part and what is accepted. */
export class UnsupportedUrlError extends CeleriacError {
  constructor(what: string, url: string, accepted: string) {
    super(
      ErrorCode.transport,
      `${what} URL ${JSON.stringify(maskUrl(url))} is not supported; use ${accepted}`,
    );
  }
}

/** What could not be reached. */
export type ConnectRole = 'broker' | 'result backend';

/**
 * The broker or the result backend could not be connected (refused, unknown host, bad
 * credentials, or no answer in time). The message names which one and its URL, with the
 * password masked.
 */
export class ConnectError extends CeleriacError<AppErrorCode> {
  /** Which connection failed. */
  readonly role: ConnectRole;
  /** Its URL, password masked. */
  readonly url: string;
  constructor(role: ConnectRole, url: string, cause: unknown) {
    const masked = maskUrl(url);
    const reason = connectReason(cause instanceof Error ? cause.message : String(cause));
    super(AppErrorCode.connect, `cannot connect to the ${role} at ${masked}: ${reason}`, {
      cause,
      retryable: true,
    });
    this.role = role;
    this.url = masked;
  }
}

/**
 * A transport's connect error without its own preamble: drivers say "Could not connect to
 * amqp://…: refused" or "Cannot connect to Redis at redis://…: ECONNREFUSED"; the URL is
 * named once, by {@link ConnectError}, so keep what follows it. First line only.
 */
export function connectReason(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  const match = /^.*?\b[a-z][a-z0-9+.-]*:\/\/\S*:\s+/i.exec(line);
  const rest = match ? line.slice(match[0].length) : line;
  return rest === '' ? line : rest;
}

/** The `--app` module does not exist or exports no celeriac app. */
export class AppLoadError extends CeleriacError<AppErrorCode> {
  constructor(message: string, options?: { cause?: unknown }) {
    super(AppErrorCode.appLoad, message, options);
  }
}

/**
 * Importing the `--app` module threw: a bug in the user's code, so the CLI prints the
 * cause with its stack.
 */
export class AppImportError extends CeleriacError<AppErrorCode> {
  /** The module's path. */
  readonly module: string;
  constructor(module: string, cause: unknown) {
    super(AppErrorCode.appImport, `importing ${module} failed`, { cause });
    this.module = module;
  }
}

/**
 * A command line the CLI cannot run (unknown option, bad value, missing argument, a
 * broker no command could use): printed with the command's usage, exit code 2.
 */
export class UsageError extends CeleriacError<AppErrorCode> {
  constructor(message: string) {
    super(AppErrorCode.usage, message);
  }
}

/** The worker's metrics and health port could not be opened (in use, not permitted). */
export class ListenError extends CeleriacError<AppErrorCode> {
  constructor(host: string, port: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(AppErrorCode.listen, `cannot serve metrics and health on ${host}:${port}: ${reason}`, {
      cause,
    });
  }
}
