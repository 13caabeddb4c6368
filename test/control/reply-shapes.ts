/**
 * The reply shapes of Celery 5.2's remote-control commands as zod schemas, mirroring the
 * control client's reply types (`control-replies.ts`): what a Python worker answers, and
 * what a celeriac worker must answer for `celery inspect` and the dashboard to read it.
 */
import { z } from 'zod';

export const okReply = z.object({ ok: z.string() }).strict();
export const errorReply = z.object({ error: z.string() }).strict();
/** What a changing command answers with `reply: true`. */
export const commandReply = z.union([okReply, errorReply]);

const deliveryInfo = z.object({
  exchange: z.string(),
  routing_key: z.string(),
  priority: z.number().nullable(),
  redelivered: z.boolean().nullable(),
});

export const taskRequestInfo = z.object({
  id: z.string(),
  name: z.string(),
  args: z.unknown(),
  kwargs: z.unknown(),
  type: z.string(),
  hostname: z.string(),
  time_start: z.number().nullable(),
  acknowledged: z.boolean(),
  delivery_info: deliveryInfo,
  worker_pid: z.number().nullable(),
});

export const scheduledInfo = z.object({
  eta: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/),
  priority: z.number(),
  request: taskRequestInfo,
});

export const workerStats = z.object({
  total: z.record(z.string(), z.number()),
  pid: z.number().int(),
  clock: z.string().regex(/^\d+$/),
  uptime: z.number(),
  pool: z.object({ 'max-concurrency': z.number().int() }).passthrough(),
  broker: z.object({ transport: z.string() }).passthrough(),
  prefetch_count: z.number().int(),
  rusage: z.record(z.string(), z.number()),
});

export const queueInfo = z.object({
  name: z.string(),
  exchange: z.object({ name: z.string(), type: z.string() }).passthrough(),
  routing_key: z.string(),
  durable: z.boolean(),
  exclusive: z.boolean(),
  auto_delete: z.boolean(),
  no_ack: z.boolean(),
  queue_arguments: z.record(z.string(), z.unknown()).nullable(),
  max_priority: z.number().nullable(),
});

export const queryTaskReply = z.record(z.string(), z.tuple([z.string(), taskRequestInfo]));

interface ActorNodeShape {
  id: string;
  path: string;
  kind: string;
  state: string;
  activity: string | null;
  health: string | null;
  restarts: number;
  children: ActorNodeShape[];
}
const actorNode: z.ZodType<ActorNodeShape> = z.lazy(() =>
  z.object({
    id: z.string(),
    path: z.string(),
    kind: z.string(),
    state: z.string(),
    activity: z.string().nullable(),
    health: z.string().nullable(),
    restarts: z.number().int(),
    children: z.array(actorNode),
  }),
);
export const actorTreeReply = z.object({ root: actorNode });

/** Inspect command (the client's method) → the reply schema. */
export const INSPECT_SHAPES = {
  ping: okReply,
  stats: workerStats,
  active: z.array(taskRequestInfo),
  reserved: z.array(taskRequestInfo),
  scheduled: z.array(scheduledInfo),
  registered: z.array(z.string()),
  activeQueues: z.array(queueInfo),
  revoked: z.array(z.string()),
  queryTask: queryTaskReply,
  conf: z.record(z.string(), z.unknown()),
  report: okReply,
  clock: z.object({ clock: z.number().int() }),
  actorTree: actorTreeReply,
} as const;

/** Celery's reply to a command a worker does not have. */
export function unknownCommand(command: string): { error: string } {
  return { error: `KeyError('${command}')` };
}
