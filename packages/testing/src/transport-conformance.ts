/**
 * The transport conformance suite: one vitest `describe` block that checks a
 * {@link Transport} implementation against the contract in `@celeriac/protocol`.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { TransportTestContext } from './transport-context.js';
import { registerLifecycleCases } from './transport-cases-lifecycle.js';
import { registerRoutingCases } from './transport-cases-routing.js';
import { registerSettlementCases } from './transport-cases-settlement.js';
import type { TransportFixture } from './transport-fixture.js';

/**
 * Declare the transport conformance suite as `describe(name)`. `setup` runs before every
 * test and gives fresh connections to one broker; every transport and queue a test makes
 * is closed and deleted after it, then the fixture's `cleanup` runs.
 *
 * @example
 * ```ts
 * import { transportConformance } from '@celeriac/testing';
 * import { MemoryBroker, MemoryTransport } from '@celeriac/memory';
 *
 * transportConformance('memory', () => {
 *   const broker = new MemoryBroker();
 *   return { createTransport: () => new MemoryTransport({ broker }), quietMs: 30 };
 * });
 * ```
 */
export function transportConformance(
  name: string,
  setup: () => TransportFixture | Promise<TransportFixture>,
): void {
  describe(name, () => {
    let current: TransportTestContext | undefined;
    const use = (): TransportTestContext => {
      if (!current) throw new Error('transport conformance context used outside a test');
      return current;
    };
    beforeEach(async () => {
      current = new TransportTestContext(await setup());
    });
    afterEach(async () => {
      const ctx = current;
      current = undefined;
      await ctx?.dispose();
    });
    describe('lifecycle', () => registerLifecycleCases(use));
    describe('routing', () => registerRoutingCases(use));
    describe('settlement', () => registerSettlementCases(use));
  });
}
