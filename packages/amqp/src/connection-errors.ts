/**
 * How connection failures are told apart: the ones retrying cannot fix (bad credentials,
 * an unknown vhost) fail fast; everything else is waited out with backoff.
 */

/**
 * Errors after which retrying cannot help: bad credentials (403 ACCESS_REFUSED), an
 * unknown vhost (530 NOT_ALLOWED). Matched on the reply code amqplib attaches and on the
 * reply's name, never on bare digits: a socket error names the address, and port 45303
 * is no refusal.
 */
export function isFatal(error: unknown): boolean {
  const code = replyCode(error);
  if (code === 403 || code === 530) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /ACCESS[-_]REFUSED|NOT[-_]ALLOWED|Handshake terminated by server/i.test(message);
}

/** True when the broker answered 404 NOT_FOUND (a passive declare of a missing queue). */
export function isNotFound(error: unknown): boolean {
  return replyCode(error) === 404;
}

/** The AMQP reply code amqplib attaches to a channel or connection error, here or as a cause. */
function replyCode(error: unknown): number | undefined {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** An error's message (or any value) on one line, for one-line logs and errors. */
export function oneLine(error: unknown): string {
  return toError(error).message.replace(/\s+/g, ' ').trim();
}
