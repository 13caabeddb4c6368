/**
 * Remote-control replies printed as `celery inspect|control|status` prints them, so that
 * the output of a celeriac fleet and of a Python one have the same shape:
 *
 * ```
 * ->  celery@host: OK
 *         pong
 * ```
 *
 * A reply `{ok: x}` or `{error: x}` is OK or ERROR with `x` indented; a list prints one
 * `* item` per line (`- empty -` when empty); another object prints as sorted, indented
 * JSON; a string as is. Items are JSON where Celery prints Python's repr.
 */

/** A reply's status and body. */
export interface DescribedReply {
  status: 'OK' | 'ERROR';
  body: string;
}

function indent(text: string, width: number): string {
  const pad = ' '.repeat(width);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

function sortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 4);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Status and body of one node's reply. */
export function describeReply(reply: unknown): DescribedReply {
  if (Array.isArray(reply)) {
    const body =
      reply.length === 0
        ? '- empty -'
        : reply
            .map((item) => `* ${typeof item === 'string' ? item : JSON.stringify(item)}`)
            .join('\n');
    return { status: 'OK', body };
  }
  if (typeof reply === 'object' && reply !== null) {
    const record = reply as Record<string, unknown>;
    if ('ok' in record) return { status: 'OK', body: indent(describeReply(record['ok']).body, 4) };
    if ('error' in record) {
      return { status: 'ERROR', body: indent(describeReply(record['error']).body, 4) };
    }
    return { status: 'OK', body: sortedJson(reply) };
  }
  if (typeof reply === 'string') return { status: 'OK', body: reply };
  return { status: 'OK', body: JSON.stringify(reply) ?? String(reply) };
}

/** The lines of one node's reply; `showBody` false prints the status line only (`status`). */
export function replyLines(node: string, reply: unknown, showBody = true): string[] {
  const { status, body } = describeReply(reply);
  const lines = [`->  ${node}: ${status}`];
  if (showBody && body) lines.push(indent(body, 4));
  return lines;
}

/** `1 node online.` / `3 nodes online.` */
export function nodesOnline(count: number): string {
  return `${count} ${count === 1 ? 'node' : 'nodes'} online.`;
}
