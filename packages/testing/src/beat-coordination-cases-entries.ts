/**
 * Conformance cases: run-time entries, seen by every replica, with revisions; and the
 * queue check, where the store has one.
 */
import { ClaimOutcome } from '@celeriac/protocol';
import { expect, it } from 'vitest';
import type { BeatCoordinationTestContext } from './beat-coordination-context.js';
import { uniqueName } from './unique-name.js';

/** Register the entry cases; `use` returns the current test's context. */
export function registerEntryCases(use: () => BeatCoordinationTestContext): void {
  it('shows an entry put on one replica to every other, definition unchanged', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    expect(await b.entries()).toEqual({ revision: expect.any(Number) as number, entries: [] });
    const definition = {
      task: 'proj.report',
      schedule: { kind: 'crontab', minute: '*/15', hour: '9-17' },
      args: [1, 'two', { three: [3.5, null, true] }],
      kwargs: { é: 'ü', nested: { deep: [] } },
    };
    const stored = await a.putEntry('report', definition);
    expect(stored).toEqual({ name: 'report', definition, revision: expect.any(Number) as number });
    const seen = await b.entries();
    expect(seen.entries).toEqual([stored]);
    expect(seen.revision).toBeGreaterThanOrEqual(stored.revision);
  });

  it('gives every put a greater revision and lists entries by name', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const before = (await a.entries()).revision;
    const zeta = await a.putEntry('zeta', { v: 1 });
    const alpha = await b.putEntry('alpha', { v: 1 });
    const zeta2 = await a.putEntry('zeta', { v: 2 });
    expect(zeta.revision).toBeGreaterThan(before);
    expect(alpha.revision).toBeGreaterThan(zeta.revision);
    expect(zeta2.revision).toBeGreaterThan(alpha.revision);
    const listed = await b.entries();
    expect(listed.entries.map((e) => [e.name, e.definition])).toEqual([
      ['alpha', { v: 1 }],
      ['zeta', { v: 2 }],
    ]);
    expect(listed.revision).toBe(zeta2.revision);
  });

  it('keeps an entry’s run when it is put again, forgets it when removed', async () => {
    const ctx = use();
    const [a, b] = [await ctx.replica(), await ctx.replica()];
    const lease = (await a.acquireLeadership(ctx.holder('a'), ctx.ttlMs))!;
    const v1 = await b.putEntry('e', { v: 1 });
    const runAt = Date.UTC(2026, 0, 1);
    await a.claimRun(lease, { entry: 'e', runAt, revision: v1.revision });
    await b.putEntry('e', { v: 2 });
    expect(await a.runs()).toMatchObject([{ entry: 'e', lastRunAt: runAt }]);
    const revision = (await a.entries()).revision;
    expect(await b.removeEntry('e')).toBe(true);
    expect(await b.removeEntry('e')).toBe(false);
    expect(await a.runs()).toEqual([]);
    const after = await a.entries();
    expect(after.entries).toEqual([]);
    expect(after.revision).toBeGreaterThan(revision);
    const v3 = await b.putEntry('e', { v: 3 });
    expect(await a.claimRun(lease, { entry: 'e', runAt, revision: v3.revision })).toMatchObject({
      outcome: ClaimOutcome.claimed,
      run: { totalRunCount: 1 },
    });
  });

  it('tells an existing queue from an unknown one, where the store can', async () => {
    const ctx = use();
    const a = await ctx.replica();
    if (a.queueExists === undefined || ctx.fixture.existingQueue === undefined) return;
    const queue = await ctx.fixture.existingQueue();
    expect(await a.queueExists(queue)).toBe(true);
    expect(await a.queueExists(uniqueName('no-such-queue'))).toBe(false);
  });
}
