/**
 * Periodic tasks declared on the app, as Celery's `beat_schedule`, and run by the
 * `celeriac` command:
 *
 * ```sh
 * npm run worker -w examples/beat    # one process on memory://: a worker with -B
 * # on Redis or RabbitMQ, as many beat replicas as you like (one sends) and any workers:
 * CELERIAC_BROKER_URL=redis://127.0.0.1:6379/0 npm run beat -w examples/beat
 * CELERIAC_BROKER_URL=redis://127.0.0.1:6379/0 npm run beat -w examples/beat   # a second replica
 * CELERIAC_BROKER_URL=redis://127.0.0.1:6379/0 npm run worker -w examples/beat
 * ```
 *
 * Stop the replica that leads (Ctrl-C releases its lease; `kill -9` lets it lapse) and
 * watch another take over without sending any run twice.
 */
import { z } from 'zod';
import { createApp, crontab, defineTask, every } from 'celeriac';

const heartbeat = defineTask('shop.heartbeat', { args: z.tuple([]), result: z.string() });
const report = defineTask('shop.report', {
  args: z.tuple([]),
  kwargs: z.object({ format: z.string() }),
  result: z.string(),
});

export const app = createApp({
  // Default: $CELERIAC_BROKER_URL, else memory://.
  timezone: 'Europe/Paris',
  beatSchedule: {
    'heartbeat-every-2s': { task: 'shop.heartbeat', schedule: every(2) },
    'report-every-minute-on-weekdays': {
      task: 'shop.report',
      schedule: crontab({ minute: '*', dayOfWeek: 'mon-fri' }),
      kwargs: { format: 'pdf' },
      options: { expires: 50 },
    },
  },
});

app.task(heartbeat, (ctx) => {
  const scheduledAt = String(ctx.headers['periodic_task_scheduled_at']);
  ctx.log.info(`heartbeat scheduled at ${scheduledAt}`);
  return scheduledAt;
});

app.task(report, (ctx) => {
  const { format } = ctx.kwargs;
  ctx.log.info(`report as ${format} (${String(ctx.headers['periodic_task_name'])})`);
  return `report.${format}`;
});
