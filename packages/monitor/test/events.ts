/**
 * Events in the shapes real workers send them (celery-wire.md §5, captured from Celery
 * 5.2.6 and a celeriac worker), for the cluster state's tests.
 */
import type { ReceivedEvent } from '@celeriac/monitor';

let clock = 0;

/** An event of `type` from `hostname` sent at `timestamp`, received `delay` s later. */
export function ev(
  type: string,
  hostname: string,
  timestamp: number,
  fields: Record<string, unknown> = {},
  delay = 0.01,
): ReceivedEvent {
  clock += 1;
  return {
    hostname,
    utcoffset: 0,
    pid: 4242,
    clock,
    ...fields,
    timestamp,
    type,
    local_received: timestamp + delay,
  };
}

/** A worker event with Celery's worker fields. */
export function workerEv(
  type: 'worker-online' | 'worker-heartbeat' | 'worker-offline',
  hostname: string,
  timestamp: number,
  fields: Record<string, unknown> = {},
): ReceivedEvent {
  return ev(type, hostname, timestamp, {
    freq: 2,
    active: 0,
    processed: 0,
    loadavg: [0.5, 0.4, 0.3],
    sw_ident: 'py-celery',
    sw_ver: '5.2.6',
    sw_sys: 'Linux',
    ...fields,
  });
}

/** `task-received` as a Python worker sends it. */
export function received(id: string, hostname: string, timestamp: number, extra = {}) {
  return ev('task-received', hostname, timestamp, {
    uuid: id,
    name: 'proj.add',
    args: '(2, 3)',
    kwargs: '{}',
    root_id: id,
    parent_id: null,
    retries: 0,
    eta: null,
    expires: null,
    ...extra,
  });
}
