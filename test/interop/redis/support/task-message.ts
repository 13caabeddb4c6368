/**
 * Task messages (protocol v2) for interop tests, built and read by `@celeriac/protocol`'s
 * codec exactly as Celery 5.2.6 sends them (celery-wire.md §1.2–1.4).
 */
import { randomUUID } from 'node:crypto';
import type { BrokerMessage, TaskEmbed } from '@celeriac/protocol';
import { decodeTaskMessage, encodeTaskMessage } from '@celeriac/protocol';

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
  const message = encodeTaskMessage({
    headers: { task: spec.name, id, origin: `gen${process.pid}@celeriac-test` },
    args: spec.args ?? [],
    kwargs: spec.kwargs ?? {},
    properties: { replyTo: randomUUID() },
  });
  return { ...message, id };
}

/** The decoded content of a task message body, beside its raw headers. */
export interface DecodedTask {
  headers: Record<string, unknown>;
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: TaskEmbed;
}

/** Read a v2 task message with the protocol's decoder. */
export function decodeTask(message: BrokerMessage): DecodedTask {
  const { args, kwargs, embed } = decodeTaskMessage(message);
  return { headers: message.headers, args, kwargs, embed };
}
