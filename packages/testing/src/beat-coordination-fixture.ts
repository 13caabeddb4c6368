/**
 * What a coordination-store author hands {@link beatCoordinationConformance}.
 */
import type { BeatCoordination } from '@celeriac/protocol';

/**
 * Connections to one coordination store, one namespace, for one test. `setup` is called
 * before every test (give each test a fresh namespace); every connection the suite makes
 * is closed after the test, then `cleanup` runs (delete the namespace's keys or queues).
 */
export interface BeatCoordinationFixture {
  /** A new, not yet connected replica connection; every call must reach the same namespace. */
  createCoordination(): BeatCoordination | Promise<BeatCoordination>;
  /**
   * Let `ms` pass on the store's lease clock: advance a simulated clock (memory) or sleep
   * (Redis, RabbitMQ), so a lease that is not renewed can lapse.
   */
  advance(ms: number): Promise<void>;
  /** The lease length the suite asks for, in ms (default 1,000; keep it short on real brokers). */
  ttlMs?: number;
  /**
   * How long after `ttlMs` a lapsed term may still be live (the store's expiry precision,
   * a heartbeat round on RabbitMQ), in ms; default 50.
   */
  expirySlackMs?: number;
  /** Whether `leader()` reports `expiresInMs` (default true; false on RabbitMQ). */
  countsLeaseTime?: boolean;
  /**
   * A queue that exists on the broker, declared by the fixture, when the store implements
   * `queueExists`; the suite checks it is found and a random name is not.
   */
  existingQueue?(): Promise<string>;
  /** Runs after each test, once the suite closed its connections. */
  cleanup?(): void | Promise<void>;
}
