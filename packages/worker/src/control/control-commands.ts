/**
 * The remote-control commands that change a worker (`celery control …`), with Celery
 * 5.2's reply shapes (`celery/worker/control.py`): revoke, terminate, rate_limit,
 * time_limit, enable_events, disable_events, heartbeat, shutdown, add_consumer,
 * cancel_consumer, pool_grow, pool_shrink, autoscale. A command that cannot apply throws;
 * the pidbox replies `{"error": "Name('message')"}`, as kombu does.
 */
import { errorReply, okReply, type ExchangeType } from '@celeriac/protocol';
import { revokeTasks } from './revoke.js';
import { parseRateLimit } from '../pipeline/rate-limit.js';
import { ids, NO_REPLY, type ControlCommand } from './scope.js';

function isExchangeType(type: string): type is ExchangeType {
  return type === 'direct' || type === 'topic' || type === 'fanout';
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function count(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : fallback;
}

function optionalCount(value: unknown): number | undefined {
  const n = count(value, -1);
  return n < 0 ? undefined : n;
}

/** Python's `ValueError`, as a raised command error is replied. */
function valueError(message: string): Error {
  const error = new Error(message);
  error.name = 'ValueError';
  return error;
}

const AUTOSCALE_NOTE = 'is not supported with autoscale. Adjust autoscale range instead.';

/** The control commands. */
export const CONTROL_COMMANDS: Readonly<Record<string, ControlCommand>> = {
  revoke: (s, a) => {
    const list = ids(a.task_id);
    revokeTasks(s, list, a.terminate === true, optionalString(a.signal));
    return okReply(`tasks ${list.join(', ')} flagged as revoked`);
  },
  terminate: (s, a) => {
    const list = ids(a.task_id);
    revokeTasks(s, list, true, optionalString(a.signal));
    return okReply(`tasks ${list.join(', ')} flagged as revoked`);
  },
  rate_limit: (s, a) => {
    const name = String(a.task_name);
    const limit = (a.rate_limit ?? null) as string | number | null;
    let perMs: number | null;
    try {
      perMs = parseRateLimit(limit);
    } catch (error) {
      return errorReply(
        `Invalid rate limit string: ${error instanceof Error ? error.message : ''}`,
      );
    }
    if (!s.registry.setRateLimit(name, limit)) return errorReply(`unknown task ${name}`);
    s.intake.rateLimiter.setRate(name, perMs);
    return okReply(
      perMs === null ? 'rate limit disabled successfully' : 'new rate limit set successfully',
    );
  },
  time_limit: (s, a) => {
    const name = String(a.task_name);
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    if (!s.registry.setTimeLimits(name, num(a.hard), num(a.soft))) {
      return errorReply(`unknown task ${name}`);
    }
    s.logger.info(
      `New time limits for tasks of type ${name}: soft=${num(a.soft)} hard=${num(a.hard)}`,
    );
    return okReply('time limits set successfully');
  },
  enable_events: (s) => {
    s.events?.setTaskEvents(true);
    return okReply(s.events ? 'task events enabled' : 'events are not configured on this worker');
  },
  disable_events: (s) => {
    s.events?.setTaskEvents(false);
    return okReply('task events disabled');
  },
  heartbeat: (s) => {
    void s.events?.heartbeat();
    return null;
  },
  shutdown: (s) => {
    s.logger.warn('Got shutdown from remote');
    s.shutdown();
    return NO_REPLY;
  },
  pool_grow: (s, a) => {
    if (s.pool.autoscaler) return errorReply(`pool_grow ${AUTOSCALE_NOTE}`);
    const n = count(a.n, 1);
    s.pool.grow(n).then(
      () => s.logger.info(`Pool grown by ${n}: ${s.pool.concurrency} executor(s)`),
      (error: unknown) => s.logger.error(`pool_grow failed: ${String(error)}`),
    );
    return okReply('pool will grow');
  },
  pool_shrink: (s, a) => {
    if (s.pool.autoscaler) return errorReply(`pool_shrink ${AUTOSCALE_NOTE}`);
    const n = count(a.n, 1);
    s.pool.shrink(n).then(
      () => s.logger.info(`Pool shrunk by ${n}: ${s.pool.concurrency} executor(s)`),
      (error: unknown) => s.logger.error(`pool_shrink failed: ${String(error)}`),
    );
    return okReply('pool will shrink');
  },
  autoscale: async (s, a) => {
    const autoscaler = s.pool.autoscaler;
    if (!autoscaler) throw valueError('Autoscale not enabled');
    const [max, min] = await autoscaler.update(optionalCount(a.max), optionalCount(a.min));
    return okReply(`autoscale now max=${max} min=${min}`);
  },
  add_consumer: async (s, a) => {
    const queue = optionalString(a.queue);
    if (queue === undefined) throw new TypeError('add_consumer needs a queue');
    const exchange = optionalString(a.exchange);
    const type = optionalString(a.exchange_type) ?? 'direct';
    if (!isExchangeType(type)) throw new TypeError(`unknown exchange type ${type}`);
    const declaration =
      exchange === undefined
        ? undefined
        : {
            name: queue,
            exchange,
            exchangeType: type,
            routingKey: optionalString(a.routing_key) ?? queue,
          };
    if (await s.consumer.addQueue(queue, declaration)) {
      s.logger.info(`Started consuming from ${queue}`);
    }
    return okReply(`add consumer ${queue}`);
  },
  cancel_consumer: async (s, a) => {
    const queue = optionalString(a.queue);
    if (queue === undefined) throw new TypeError('cancel_consumer needs a queue');
    if (await s.consumer.cancelQueue(queue)) s.logger.info(`Stopped consuming from ${queue}`);
    return okReply(`no longer consuming from ${queue}`);
  },
};
