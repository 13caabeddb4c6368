/**
 * How connection failures are told apart: the ones retrying cannot fix (bad credentials,
 * an unknown vhost) fail fast; everything else is waited out with backoff.
 */

/** Errors after which retrying cannot help: bad credentials, unknown vhost. */
export function isFatal(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /ACCESS_REFUSED|NOT_ALLOWED|403|530|Handshake terminated by server/i.test(message);
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** An error's message (or any value) on one line, for one-line logs and errors. */
export function oneLine(error: unknown): string {
  return toError(error).message.replace(/\s+/g, ' ').trim();
}
