/**
 * Per-test state of the beat coordination conformance suite: the fixture and every
 * connection a test made (closed after it).
 */
import type { BeatCoordination } from '@celeriac/protocol';
import type { BeatCoordinationFixture } from './beat-coordination-fixture.js';
import { uniqueName } from './unique-name.js';

/** What each coordination conformance test works with; made fresh for every test. */
export class BeatCoordinationTestContext {
  readonly fixture: BeatCoordinationFixture;
  readonly ttlMs: number;
  readonly slackMs: number;
  readonly #replicas: BeatCoordination[] = [];

  constructor(fixture: BeatCoordinationFixture) {
    this.fixture = fixture;
    this.ttlMs = fixture.ttlMs ?? 1000;
    this.slackMs = fixture.expirySlackMs ?? 50;
  }

  /** A new connected replica connection to the test's namespace; closed after the test. */
  async replica(connect = true): Promise<BeatCoordination> {
    const coordination = await this.fixture.createCoordination();
    this.#replicas.push(coordination);
    if (connect) await coordination.connect();
    return coordination;
  }

  /** A unique holder name, as a beat replica would make one. */
  holder(prefix = 'beat'): string {
    return uniqueName(prefix);
  }

  /** Let time pass on the store's lease clock. */
  advance(ms: number): Promise<void> {
    return this.fixture.advance(ms);
  }

  /** Close every connection, then run the fixture's cleanup. */
  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(
      this.#replicas.map((c) => c.close().catch((error: unknown) => errors.push(error))),
    );
    await this.fixture.cleanup?.();
    if (errors.length > 0) {
      throw new AggregateError(errors, 'coordination conformance cleanup failed');
    }
  }
}
