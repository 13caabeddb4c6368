/**
 * What a transport author hands {@link transportConformance}: how to make connections to
 * one broker, and the few semantics in which brokers legitimately differ.
 */
import type { Transport } from '@celeriac/protocol';

/** Which priority a broker serves first. */
export const PriorityOrder = {
  /** RabbitMQ with `x-max-priority`, and the memory broker: 9 before 0. */
  higherFirst: 'higher-first',
  /** kombu's Redis emulation: priority 0 before 9. */
  lowerFirst: 'lower-first',
} as const;
/** One of the values of {@link PriorityOrder}. */
export type PriorityOrder = (typeof PriorityOrder)[keyof typeof PriorityOrder];

/**
 * Connections to one broker for one test. `setup` is called before every test, so a
 * fixture may hold per-test state (a Redis key prefix, a RabbitMQ vhost…).
 */
export interface TransportFixture {
  /**
   * A new, not yet connected transport. Every call must reach the same broker (and the
   * same key prefix), since tests use several connections as producer and consumers.
   */
  createTransport(): Transport | Promise<Transport>;
  /** Unique queue/exchange names; defaults to `uniqueName` of this package. */
  uniqueName?(prefix: string): string;
  /** Runs after each test, after the suite closed its transports and deleted its queues. */
  cleanup?(): void | Promise<void>;
  /** Which priority the broker serves first (default `higher-first`). */
  priorityOrder?: PriorityOrder;
  /** Two priorities, low then high, that the broker ranks apart (default `[0, 9]`). */
  priorities?: readonly [low: number, high: number];
  /**
   * The `properties.extra` a message carries through this transport unchanged. Virtual
   * transports keep any key (default `{ origin: 'gen42@host', replaced_task_nesting: 0 }`);
   * AMQP has a fixed set of basic properties, so its fixture names the ones it maps.
   */
  extraProperties?: Record<string, unknown>;
  /** How long to watch for something that must not happen, in ms (default 150). */
  quietMs?: number;
  /** Bound of every wait for something that must happen, in ms (default 5000). */
  timeoutMs?: number;
}
