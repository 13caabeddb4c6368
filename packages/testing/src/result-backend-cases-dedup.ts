/**
 * Result backend conformance cases for deduplicated sends (`claimDedup`,
 * `releaseDedup`): one holder per key across backends, the holder's id for everyone
 * else, release by the holder only, and expiry after the TTL. Registered when the
 * fixture says `supportsDedup`.
 */
import type { DedupClaim, ResultBackend } from '@celeriac/protocol';
import { expect, it, type TestContext } from 'vitest';
import type { ResultBackendTestContext } from './result-backend-context.js';

function dedupOf(backend: ResultBackend) {
  if (!backend.claimDedup || !backend.releaseDedup) {
    throw new Error(`${backend.kind} result backend: supportsDedup but no claimDedup/releaseDedup`);
  }
  return {
    claim: (key: string, taskId: string, ttlMs: number): Promise<DedupClaim> =>
      backend.claimDedup!(key, taskId, ttlMs),
    release: (key: string, taskId: string): Promise<void> => backend.releaseDedup!(key, taskId),
  };
}

/** Register the dedup cases; `use` returns the current test's context. */
export function registerDedupCases(use: () => ResultBackendTestContext): void {
  const TTL = 60_000;
  /** The context, or skip: a store without `supportsDedup` is reported as skipping these. */
  const using = (test: TestContext): ResultBackendTestContext => {
    const ctx = use();
    if (!ctx.fixture.supportsDedup) test.skip('this result backend does not deduplicate');
    return ctx;
  };

  it('lets the first claim hold a key and tells later ones its task id', async (test) => {
    const ctx = using(test);
    const a = dedupOf(await ctx.backend());
    const b = dedupOf(await ctx.backend());
    const key = `order-${ctx.taskId()}:confirm`;
    const first = ctx.taskId();
    const second = ctx.taskId();
    expect(await a.claim(key, first, TTL)).toEqual({ claimed: true });
    expect(await b.claim(key, second, TTL)).toEqual({ claimed: false, taskId: first });
    expect(await a.claim(key, second, TTL)).toEqual({ claimed: false, taskId: first });
    // The holder claiming again (a retried send of the same task) still holds it.
    expect(await b.claim(key, first, TTL)).toEqual({ claimed: true });
    // Another key is independent.
    expect(await b.claim(`${key}:other`, second, TTL)).toEqual({ claimed: true });
  });

  it('gives a key to exactly one of 100 concurrent claims from two backends', async (test) => {
    const ctx = using(test);
    const backends = [dedupOf(await ctx.backend()), dedupOf(await ctx.backend())];
    const key = `burst-${ctx.taskId()}`;
    const ids = Array.from({ length: 100 }, () => ctx.taskId());
    const claims = await Promise.all(ids.map((id, i) => backends[i % 2]!.claim(key, id, TTL)));
    const winners = ids.filter((_, i) => claims[i]!.claimed);
    expect(winners).toHaveLength(1);
    for (const claim of claims) {
      if (!claim.claimed) expect(claim.taskId).toBe(winners[0]);
    }
  });

  it('frees a key on release by its holder only', async (test) => {
    const ctx = using(test);
    const backend = dedupOf(await ctx.backend());
    const key = `release-${ctx.taskId()}`;
    const holder = ctx.taskId();
    const other = ctx.taskId();
    await backend.claim(key, holder, TTL);
    await backend.release(key, other);
    expect(await backend.claim(key, other, TTL)).toEqual({ claimed: false, taskId: holder });
    await backend.release(key, holder);
    expect(await backend.claim(key, other, TTL)).toEqual({ claimed: true });
  });

  it('frees a key once its TTL passed', async (test) => {
    const ctx = using(test);
    const backend = dedupOf(await ctx.backend());
    const key = `ttl-${ctx.taskId()}`;
    const ttl = ctx.fixture.expiresMs ?? 200;
    const first = ctx.taskId();
    const second = ctx.taskId();
    expect(await backend.claim(key, first, ttl)).toEqual({ claimed: true });
    expect(await backend.claim(key, second, ttl)).toEqual({ claimed: false, taskId: first });
    await new Promise((resolve) => setTimeout(resolve, ttl + 50));
    expect(await backend.claim(key, second, ttl)).toEqual({ claimed: true });
  });
}
