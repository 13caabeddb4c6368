/**
 * Re-publishing a task for a retry, as Celery 5.2 does: the same message (same id, body,
 * properties and route) with `retries + 1`, `eta` and `parent_id` set to its own id. A
 * legacy v1/hybrid message is re-encoded as v2, since its body holds the old fields.
 */
import { encodeTaskMessage, formatIsoDate, type Transport } from '@celeriac/protocol';
import type { TaskRequest } from '../pipeline/request.js';

/** Python's `datetime.isoformat()` of an aware UTC time: `…+00:00`. */
export function awareUtcIso(ms: number): string {
  return formatIsoDate(new Date(ms));
}

/** Publish the retry of `request`, due at `when` (unix ms), from worker `hostname`. */
export async function republishRetry(
  transport: Transport,
  hostname: string,
  request: TaskRequest,
  when: number,
): Promise<void> {
  const route = { exchange: request.delivery.exchange, routingKey: request.delivery.routingKey };
  const message = request.message;
  if (request.protocol !== 'v2') {
    await transport.publish(
      encodeTaskMessage({
        headers: {
          task: request.name,
          id: request.id,
          shadow: request.shadow,
          eta: new Date(when),
          expires: request.expires === null ? null : new Date(request.expires),
          group: request.groupId,
          groupIndex: request.groupIndex,
          retries: request.retries + 1,
          timelimit: request.timeLimit ?? [null, null],
          rootId: request.rootId ?? request.id,
          parentId: request.id,
          origin: hostname,
          ignoreResult: request.ignoreResult,
        },
        properties: message.properties,
        args: request.args,
        kwargs: request.kwargs,
        embed: {
          callbacks: request.callbacks ? [...request.callbacks] : null,
          errbacks: request.errbacks ? [...request.errbacks] : null,
          chain: request.chain ? [...request.chain] : null,
          chord: request.chord,
        },
      }),
      route,
    );
    return;
  }
  const headers: Record<string, unknown> = {
    ...message.headers,
    retries: request.retries + 1,
    eta: awareUtcIso(when),
    parent_id: request.id,
    root_id: request.rootId ?? request.id,
  };
  delete headers.redelivered;
  await transport.publish({ ...message, headers }, route);
}
