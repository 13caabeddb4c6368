/**
 * The result backend conformance suite: one vitest `describe` block that checks a
 * {@link ResultBackend} implementation against the contract in `@celeriac/protocol`.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { registerDedupCases } from './result-backend-cases-dedup.js';
import { registerStoreCases } from './result-backend-cases-store.js';
import { registerWaitCases } from './result-backend-cases-wait.js';
import { ResultBackendTestContext } from './result-backend-context.js';
import type { ResultBackendFixture } from './result-backend-fixture.js';

/**
 * Declare the result backend conformance suite as `describe(name)`. `setup` runs before
 * every test; the backends a test makes are closed after it, then `cleanup` runs.
 *
 * @example
 * ```ts
 * import { resultBackendConformance } from '@celeriac/testing';
 * import { MemoryResultBackend, MemoryResultStore } from '@celeriac/memory';
 *
 * resultBackendConformance('memory', () => {
 *   const store = new MemoryResultStore();
 *   return {
 *     createBackend: ({ expiresMs }) => new MemoryResultBackend({ store, expiresMs }),
 *     supportsExpiry: true,
 *   };
 * });
 * ```
 */
export function resultBackendConformance(
  name: string,
  setup: () => ResultBackendFixture | Promise<ResultBackendFixture>,
): void {
  describe(name, () => {
    let current: ResultBackendTestContext | undefined;
    const use = (): ResultBackendTestContext => {
      if (!current) throw new Error('result backend conformance context used outside a test');
      return current;
    };
    beforeEach(async () => {
      current = new ResultBackendTestContext(await setup());
    });
    afterEach(async () => {
      const ctx = current;
      current = undefined;
      await ctx?.dispose();
    });
    describe('store', () => registerStoreCases(use));
    describe('wait', () => registerWaitCases(use));
    describe('dedup', () => registerDedupCases(use));
  });
}
