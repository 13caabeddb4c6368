// A beat fixture on memory:// and simulated time: a broker, a consumer that records what
// was sent (decoded as a worker would), a shared coordination store, and replicas.
import { SimulatedClock } from '@celeriac/actors';
import { createBeat } from '@celeriac/beat';
import type { Beat, BeatOptions, LogFields, Logger } from '@celeriac/beat';
import { createClient } from '@celeriac/client';
import {
  MemoryBeatCoordination,
  MemoryBeatStore,
  MemoryBroker,
  MemoryTransport,
} from '@celeriac/memory';
import { decodeTaskMessage } from '@celeriac/protocol';

/** One message beat sent, as a worker reads it. */
export interface SentTask {
  readonly task: string;
  readonly id: string;
  readonly entry: string;
  readonly scheduledAt: string;
  readonly queue: string;
  readonly args: readonly unknown[];
  readonly kwargs: Record<string, unknown>;
  /** Simulated time of arrival. */
  readonly at: number;
  readonly headers: Record<string, unknown>;
  readonly priority: number | undefined;
}

/** A log line. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

export function captureLogger(lines: LogLine[]): Logger {
  const at = (level: LogLine['level']) => (message: string, fields?: LogFields) =>
    void lines.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Fixture extends AsyncDisposable {
  readonly clock: SimulatedClock;
  readonly broker: MemoryBroker;
  readonly store: MemoryBeatStore;
  readonly sent: SentTask[];
  readonly logs: LogLine[];
  /** A beat replica on the fixture's broker and store; stopped with the fixture. */
  replica(options?: Partial<BeatOptions> & { coordination?: MemoryBeatCoordination }): Beat;
  /** Consume (and record) one more queue. */
  consume(queue: string): Promise<void>;
  /** Move simulated time forward by `ms`. */
  advance(ms: number): Promise<void>;
  /** Sent tasks of one entry, by scheduled time. */
  of(entry: string): string[];
}

export async function beatFixture(start: string): Promise<Fixture> {
  const clock = new SimulatedClock(Date.parse(start));
  const broker = new MemoryBroker();
  const transport = new MemoryTransport({ broker });
  const store = new MemoryBeatStore({ clock });
  const sent: SentTask[] = [];
  const logs: LogLine[] = [];
  const beats: Beat[] = [];
  const consume = async (queue: string) => {
    await transport.declareQueue({ name: queue });
    await transport.consume(
      [queue],
      (delivery) => {
        const message = decodeTaskMessage(delivery.message, { accept: ['application/json'] });
        const headers = delivery.message.headers;
        sent.push({
          task: message.headers.task,
          id: message.headers.id,
          entry: headers['periodic_task_name'] as string,
          scheduledAt: headers['periodic_task_scheduled_at'] as string,
          queue,
          args: message.args,
          kwargs: message.kwargs,
          at: clock.now(),
          headers,
          priority: delivery.message.properties.priority,
        });
        void delivery.ack();
      },
      { prefetch: 0 },
    );
  };
  await consume('celery');
  const client = createClient({ transport, now: () => new Date(clock.now()) });
  return {
    clock,
    broker,
    store,
    sent,
    logs,
    consume,
    replica(options = {}) {
      const beat = createBeat({
        client,
        coordination: new MemoryBeatCoordination({ store, broker }),
        clock,
        logger: captureLogger(logs),
        leaseMs: 3_000,
        ...options,
      });
      beats.push(beat);
      return beat;
    },
    advance: (ms) => clock.advance(ms),
    of: (entry) => sent.filter((s) => s.entry === entry).map((s) => s.scheduledAt),
    async [Symbol.asyncDispose]() {
      for (const beat of beats) await beat.stop();
      await client.close();
      await transport.close();
    },
  };
}

/** `n` scheduled-at header values, `stepS` seconds apart from `first`. */
export function ticks(first: string, n: number, stepS: number): string[] {
  const t0 = Date.parse(first);
  return Array.from({ length: n }, (_, i) =>
    new Date(t0 + i * stepS * 1000).toISOString().replace('Z', '+00:00'),
  );
}
