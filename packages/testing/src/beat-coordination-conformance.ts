/**
 * The beat coordination conformance suite: one vitest `describe` block that checks a
 * {@link BeatCoordination} implementation against the contract in `@celeriac/protocol`.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { registerClaimCases } from './beat-coordination-cases-claims.js';
import { registerEntryCases } from './beat-coordination-cases-entries.js';
import { registerLeadershipCases } from './beat-coordination-cases-leadership.js';
import { BeatCoordinationTestContext } from './beat-coordination-context.js';
import type { BeatCoordinationFixture } from './beat-coordination-fixture.js';

/**
 * Declare the beat coordination conformance suite as `describe(name)`. `setup` runs
 * before every test and names a fresh namespace; the connections a test makes are closed
 * after it, then the fixture's `cleanup` runs.
 *
 * @example
 * ```ts
 * import { beatCoordinationConformance } from '@celeriac/testing';
 * import { SimulatedClock } from '@celeriac/actors';
 * import { MemoryBeatCoordination, MemoryBeatStore } from '@celeriac/memory';
 *
 * beatCoordinationConformance('memory', () => {
 *   const clock = new SimulatedClock(Date.now());
 *   const store = new MemoryBeatStore({ clock });
 *   return {
 *     createCoordination: () => new MemoryBeatCoordination({ store }),
 *     advance: (ms) => clock.advance(ms),
 *   };
 * });
 * ```
 */
export function beatCoordinationConformance(
  name: string,
  setup: () => BeatCoordinationFixture | Promise<BeatCoordinationFixture>,
): void {
  describe(name, () => {
    let current: BeatCoordinationTestContext | undefined;
    const use = (): BeatCoordinationTestContext => {
      if (!current) throw new Error('beat coordination conformance context used outside a test');
      return current;
    };
    beforeEach(async () => {
      current = new BeatCoordinationTestContext(await setup());
    });
    afterEach(async () => {
      const ctx = current;
      current = undefined;
      await ctx?.dispose();
    });
    describe('leadership', () => registerLeadershipCases(use));
    describe('claims', () => registerClaimCases(use));
    describe('entries', () => registerEntryCases(use));
  });
}
