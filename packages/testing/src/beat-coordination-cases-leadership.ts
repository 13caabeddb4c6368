/**
 * Conformance cases: leadership terms, their epochs, renewal, lapse and release, and the
 * connection lifecycle.
 */
import { expect, it } from 'vitest';
import type { BeatCoordinationTestContext } from './beat-coordination-context.js';

/** Register the leadership cases; `use` returns the current test's context. */
export function registerLeadershipCases(use: () => BeatCoordinationTestContext): void {
  it('connect and close are idempotent, and close ends an `await using` block', async () => {
    const ctx = use();
    const coordination = await ctx.replica(false);
    await Promise.all([coordination.connect(), coordination.connect()]);
    await coordination.connect();
    await Promise.all([coordination.close(), coordination.close()]);
    await coordination.close();
    {
      await using scoped = await ctx.replica();
      expect(await scoped.leader()).toBeUndefined();
    }
  });

  it('grants one term at a time; the holder asking again gets the same term', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const [ha, hb] = [ctx.holder('a'), ctx.holder('b')];
    const lease = await a.acquireLeadership(ha, ctx.ttlMs);
    expect(lease).toEqual({ holder: ha, epoch: expect.any(Number) as number });
    expect(await b.acquireLeadership(hb, ctx.ttlMs)).toBeUndefined();
    expect(await a.acquireLeadership(ha, ctx.ttlMs)).toEqual(lease);
    const info = await b.leader();
    expect(info).toMatchObject({ holder: ha, epoch: lease!.epoch });
    if (ctx.fixture.countsLeaseTime !== false) {
      expect(info?.expiresInMs).toBeGreaterThan(0);
      expect(info?.expiresInMs).toBeLessThanOrEqual(ctx.ttlMs);
    }
  });

  it('lets only one of several replicas racing for a free lease win', async () => {
    const ctx = use();
    const replicas = await Promise.all([1, 2, 3, 4, 5].map(() => ctx.replica()));
    const leases = await Promise.all(
      replicas.map((r, i) => r.acquireLeadership(ctx.holder(`r${i}`), ctx.ttlMs)),
    );
    expect(leases.filter((l) => l !== undefined)).toHaveLength(1);
  });

  it('keeps a renewed term past its first ttl', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const lease = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    await ctx.advance(ctx.ttlMs * 0.6);
    expect(await a.renewLeadership(lease, ctx.ttlMs)).toBe(true);
    await ctx.advance(ctx.ttlMs * 0.6);
    expect(await b.acquireLeadership(ctx.holder('b'), ctx.ttlMs)).toBeUndefined();
    expect(await a.renewLeadership(lease, ctx.ttlMs)).toBe(true);
  });

  it('ends a term that is not renewed within its ttl; the next term has a greater epoch', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const first = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    await ctx.advance(ctx.ttlMs + ctx.slackMs);
    const second = await b.acquireLeadership(ctx.holder('b'), ctx.ttlMs);
    expect(second).toBeDefined();
    expect(second!.epoch).toBeGreaterThan(first.epoch);
    expect(await a.renewLeadership(first, ctx.ttlMs)).toBe(false);
    expect(await a.leader()).toMatchObject({ holder: second!.holder, epoch: second!.epoch });
  });

  it('does not revive a lapsed term on renewal, even when nobody took over', async () => {
    const ctx = use();
    const a = await ctx.replica();
    const holder = ctx.holder('a');
    const first = (await a.acquireLeadership(holder, ctx.ttlMs))!;
    await ctx.advance(ctx.ttlMs + ctx.slackMs);
    expect(await a.renewLeadership(first, ctx.ttlMs)).toBe(false);
    const again = (await a.acquireLeadership(holder, ctx.ttlMs))!;
    expect(again.epoch).toBeGreaterThan(first.epoch);
  });

  it('hands over at once on release; releasing an ended term leaves the next one alone', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const first = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    await a.releaseLeadership(first);
    expect(await a.renewLeadership(first, ctx.ttlMs)).toBe(false);
    const second = (await b.acquireLeadership(ctx.holder('b'), ctx.ttlMs))!;
    expect(second.epoch).toBeGreaterThan(first.epoch);
    await a.releaseLeadership(first);
    expect(await b.renewLeadership(second, ctx.ttlMs)).toBe(true);
    expect(await a.leader()).toMatchObject({ holder: second.holder, epoch: second.epoch });
  });

  it('never reuses an epoch over many terms', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const epochs: number[] = [];
    for (let i = 0; i < 6; i++) {
      const replica = i % 2 === 0 ? a : b;
      const lease = (await replica.acquireLeadership(ctx.holder(`h${i}`), ctx.ttlMs))!;
      epochs.push(lease.epoch);
      await replica.releaseLeadership(lease);
    }
    for (let i = 1; i < epochs.length; i++) expect(epochs[i]).toBeGreaterThan(epochs[i - 1]!);
  });
}
