/**
 * Conformance cases: runs are recorded before they are sent, once, and only by a live
 * term — the fencing that keeps a paused old leader from sending.
 */
import { ClaimOutcome } from '@celeriac/protocol';
import { expect, it } from 'vitest';
import type { BeatCoordinationTestContext } from './beat-coordination-context.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** Register the claim cases; `use` returns the current test's context. */
export function registerClaimCases(use: () => BeatCoordinationTestContext): void {
  it('records a claimed run, refuses the same or an earlier one, counts later ones', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const lease = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    expect(await b.runs()).toEqual([]);
    const first = await a.claimRun(lease, { entry: 'report', runAt: T0 });
    const run = { entry: 'report', lastRunAt: T0, totalRunCount: 1, epoch: lease.epoch };
    expect(first).toEqual({ outcome: ClaimOutcome.claimed, run });
    expect(await a.claimRun(lease, { entry: 'report', runAt: T0 })).toEqual({
      outcome: ClaimOutcome.alreadyRun,
      run,
    });
    expect(await a.claimRun(lease, { entry: 'report', runAt: T0 - 1000 })).toMatchObject({
      outcome: ClaimOutcome.alreadyRun,
    });
    expect(await a.claimRun(lease, { entry: 'report', runAt: T0 + 1000 })).toEqual({
      outcome: ClaimOutcome.claimed,
      run: { ...run, lastRunAt: T0 + 1000, totalRunCount: 2 },
    });
    await a.claimRun(lease, { entry: 'cleanup', runAt: T0 });
    expect(await b.runs()).toEqual([
      { entry: 'cleanup', lastRunAt: T0, totalRunCount: 1, epoch: lease.epoch },
      { ...run, lastRunAt: T0 + 1000, totalRunCount: 2 },
    ]);
  });

  it('lets exactly one of many concurrent claims of one run succeed', async () => {
    const ctx = use();
    const replicas = await Promise.all([1, 2, 3].map(() => ctx.replica()));
    const lease = (await replicas[0]!.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    const results = await Promise.all(
      [0, 1, 2, 0, 1, 2].map((i) => replicas[i]!.claimRun(lease, { entry: 'e', runAt: T0 })),
    );
    expect(results.filter((r) => r.outcome === ClaimOutcome.claimed)).toHaveLength(1);
    expect(results.filter((r) => r.outcome === ClaimOutcome.alreadyRun)).toHaveLength(5);
  });

  it('fences a term taken over by another leader: its claim records nothing', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const old = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    await a.claimRun(old, { entry: 'e', runAt: T0 });
    // The old leader "pauses": no renewal for longer than its lease; b takes over.
    await ctx.advance(ctx.ttlMs + ctx.slackMs);
    const next = (await b.acquireLeadership(ctx.holder('b'), ctx.ttlMs))!;
    // It wakes up and tries to record a run that is due: refused, before b claims it…
    expect(await a.claimRun(old, { entry: 'e', runAt: T0 + 1000 })).toEqual({
      outcome: ClaimOutcome.fenced,
    });
    // …and after.
    expect(await b.claimRun(next, { entry: 'e', runAt: T0 + 1000 })).toMatchObject({
      outcome: ClaimOutcome.claimed,
    });
    expect(await a.claimRun(old, { entry: 'e', runAt: T0 + 2000 })).toEqual({
      outcome: ClaimOutcome.fenced,
    });
    expect(await a.runs()).toEqual([
      { entry: 'e', lastRunAt: T0 + 1000, totalRunCount: 2, epoch: next.epoch },
    ]);
  });

  it('fences a lapsed or released term even when nobody took over', async () => {
    const ctx = use();
    const a = await ctx.replica();
    const lapsed = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    await ctx.advance(ctx.ttlMs + ctx.slackMs);
    expect(await a.claimRun(lapsed, { entry: 'e', runAt: T0 })).toEqual({
      outcome: ClaimOutcome.fenced,
    });
    const released = (await a.acquireLeadership(ctx.holder('b'), ctx.ttlMs))!;
    await a.releaseLeadership(released);
    expect(await a.claimRun(released, { entry: 'e', runAt: T0 })).toEqual({
      outcome: ClaimOutcome.fenced,
    });
    expect(await a.runs()).toEqual([]);
  });

  it('fences a forged lease: the right epoch with another holder, or the holder with another epoch', async () => {
    const ctx = use();
    const a = await ctx.replica();
    const lease = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    const forged = [
      { holder: ctx.holder('x'), epoch: lease.epoch },
      { holder: lease.holder, epoch: lease.epoch + 1 },
    ];
    for (const other of forged) {
      expect(await a.claimRun(other, { entry: 'e', runAt: T0 })).toEqual({
        outcome: ClaimOutcome.fenced,
      });
    }
  });

  it('refuses a claim computed from a stored entry that changed or was removed', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const lease = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    const v1 = await b.putEntry('nightly', { task: 'proj.nightly', every: 60 });
    expect(
      await a.claimRun(lease, { entry: 'nightly', runAt: T0, revision: v1.revision }),
    ).toMatchObject({ outcome: ClaimOutcome.claimed });
    const v2 = await b.putEntry('nightly', { task: 'proj.nightly', every: 30 });
    expect(
      await a.claimRun(lease, { entry: 'nightly', runAt: T0 + 1000, revision: v1.revision }),
    ).toEqual({ outcome: ClaimOutcome.entryChanged, revision: v2.revision });
    expect(
      await a.claimRun(lease, { entry: 'nightly', runAt: T0 + 1000, revision: v2.revision }),
    ).toMatchObject({ outcome: ClaimOutcome.claimed, run: { totalRunCount: 2 } });
    await b.removeEntry('nightly');
    expect(
      await a.claimRun(lease, { entry: 'nightly', runAt: T0 + 2000, revision: v2.revision }),
    ).toEqual({ outcome: ClaimOutcome.entryChanged, revision: undefined });
    expect(await a.runs()).toEqual([]);
  });
}
