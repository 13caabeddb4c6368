/**
 * Task messages (protocol v2) for interop tests, shaped as Celery 5.2.6 sends them
 * (celery-wire.md §1.2–1.4). A stand-in until `@celeriac/protocol`'s task-message codec
 * lands; then these helpers should delegate to it.
 */
import { randomUUID } from 'node:crypto';
import type { BrokerMessage } from '@celeriac/protocol';

/** What a test says about a task to send. */
export interface TaskSpec {
  name: string;
  id?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
}

/** A v2 task message with Celery's headers (in Celery's order) and `[args, kwargs, embed]`. */
export function taskMessage(spec: TaskSpec): BrokerMessage & { id: string } {
  const id = spec.id ?? randomUUID();
  const args = spec.args ?? [];
  const kwargs = spec.kwargs ?? {};
  const body = [args, kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }];
  return {
    id,
    body: new TextEncoder().encode(JSON.stringify(body)),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: {
      lang: 'py',
      task: spec.name,
      id,
      shadow: null,
      eta: null,
      expires: null,
      group: null,
      group_index: null,
      retries: 0,
      timelimit: [null, null],
      root_id: id,
      parent_id: null,
      argsrepr: JSON.stringify(args),
      kwargsrepr: JSON.stringify(kwargs),
      origin: `gen${process.pid}@celeriac-test`,
      ignore_result: false,
    },
    properties: { correlationId: id, replyTo: randomUUID(), deliveryMode: 2, priority: 0 },
  };
}

/** The decoded content of a task message body. */
export interface DecodedTask {
  headers: Record<string, unknown>;
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: Record<string, unknown>;
}

/** Read a v2 task message (JSON, uncompressed). */
export function decodeTask(message: BrokerMessage): DecodedTask {
  const [args, kwargs, embed] = JSON.parse(new TextDecoder().decode(message.body)) as [
    unknown[],
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  return { headers: message.headers, args, kwargs, embed };
}
