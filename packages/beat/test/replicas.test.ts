// Several replicas on one memory coordination store, on simulated time: one leads, a
// leader that stops renewing is replaced within the lease, a paused old leader's claim is
// fenced, and every tick is sent once.
import { describe, expect, it } from 'vitest';
import { BeatRole } from '@celeriac/beat';
import type { Beat } from '@celeriac/beat';
import { MemoryBeatCoordination } from '@celeriac/memory';
import type { ClaimResult, LeaderLease, RunClaim } from '@celeriac/protocol';
import { beatFixture, ticks } from './support.js';
import type { Fixture } from './support.js';

const schedule = { tick: { task: 'shop.tick', schedule: 1 } };
const LEASE = 3_000;
const POLL = 1_000;

function leaderOf(beats: readonly Beat[]): Beat[] {
  return beats.filter((b) => b.role === BeatRole.leader);
}

function assertEachTickOnce(f: Fixture, entry: string): number[] {
  const times = f.of(entry).map((s) => Date.parse(s));
  expect(new Set(times).size).toBe(times.length);
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  return times;
}

function maxGap(times: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

/**
 * A coordination connection whose claims can be held: the process freezes after its loop
 * checked that its lease is valid and before its claim reaches the store (its loop, and so
 * its renewals, wait on the claim).
 */
class PausableCoordination extends MemoryBeatCoordination {
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  readonly claims: ClaimResult[] = [];

  pause(): void {
    this.#gate ??= new Promise<void>((resolve) => (this.#open = resolve));
  }

  wake(): void {
    this.#open?.();
    this.#gate = this.#open = undefined;
  }

  override async claimRun(lease: LeaderLease, claim: RunClaim): Promise<ClaimResult> {
    await this.#gate;
    const result = await super.claimRun(lease, claim);
    this.claims.push(result);
    return result;
  }
}

/** `n` started replicas of the tick schedule, each with its own connection to the store. */
async function startReplicas(f: Fixture, n: number) {
  const coordinations = Array.from(
    { length: n },
    () => new MemoryBeatCoordination({ store: f.store, broker: f.broker }),
  );
  const beats = coordinations.map((coordination) =>
    f.replica({ schedule, leaseMs: LEASE, pollEveryMs: POLL, coordination }),
  );
  for (const beat of beats) await beat.start();
  return { beats, coordinations };
}

describe('beat replicas', () => {
  it('elect exactly one leader, and only the leader sends', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beats = [1, 2, 3].map(() => f.replica({ schedule, leaseMs: LEASE }));
    for (const beat of beats) await beat.start();
    await f.advance(10_000);
    expect(leaderOf(beats)).toHaveLength(1);
    expect(beats.filter((b) => b.role === BeatRole.follower)).toHaveLength(2);
    expect(f.of('tick')).toEqual(ticks('2026-01-01T12:00:01Z', 10, 1));
    expect(beats.map((b) => b.actor?.activity).sort()).toEqual([
      'following.running',
      'following.running',
      'leading.running',
    ]);
  });

  it('replace a leader that stops renewing within lease + poll; no tick is sent twice', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const { beats, coordinations } = await startReplicas(f, 3);
    await f.advance(5_500);
    const first = leaderOf(beats)[0]!;
    const cutAt = f.clock.now();
    // The leader is cut off from the store (killed, hung, partitioned): no renewal reaches it.
    coordinations[beats.indexOf(first)]!.suspend();
    await f.advance(LEASE + POLL + 100);
    const second = leaderOf(beats).filter((b) => b !== first);
    expect(second).toHaveLength(1);
    const epoch = (await second[0]!.leader())!.epoch;
    expect(epoch).toBe(2);
    // The cut-off leader gave up on its own once its lease ran out here.
    expect(first.role).toBe(BeatRole.follower);
    expect(first.actor?.health).toBe('degraded');
    // Kill the second leader too, later.
    await f.advance(10_000);
    coordinations[beats.indexOf(second[0]!)]!.suspend();
    await f.advance(20_000);
    const times = assertEachTickOnce(f, 'tick');
    // No gap longer than the failover bound (lease + poll) plus the entry's own second.
    expect(maxGap(times)).toBeLessThanOrEqual(LEASE + POLL + 1_000);
    expect(maxGap(times)).toBeGreaterThan(1_000); // the failovers did leave gaps
    expect(times.at(-1)).toBeGreaterThan(cutAt + 30_000);
    expect(f.logs.some((l) => l.level === 'warn' && /gave up leadership/.test(l.message))).toBe(
      true,
    );
  });

  it('hand over at once when the leader stops (it releases the lease)', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beats = [1, 2].map(() => f.replica({ schedule, leaseMs: LEASE, pollEveryMs: POLL }));
    for (const beat of beats) await beat.start();
    await f.advance(4_500);
    const first = leaderOf(beats)[0]!;
    await first.stop();
    await f.advance(POLL + 10);
    expect(leaderOf(beats)).toHaveLength(1);
    await f.advance(4_000);
    const times = assertEachTickOnce(f, 'tick');
    expect(maxGap(times)).toBeLessThanOrEqual(POLL + 1_000);
  });

  it('fence a paused old leader: when it wakes up its claim is refused and it sends nothing', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const paused = new PausableCoordination({ store: f.store, broker: f.broker });
    const old = f.replica({ schedule, leaseMs: LEASE, pollEveryMs: POLL, coordination: paused });
    await old.start();
    await f.advance(100);
    const standby = f.replica({ schedule, leaseMs: LEASE, pollEveryMs: POLL });
    await standby.start();
    await f.advance(3_000);
    expect(old.role).toBe(BeatRole.leader);
    // The old leader freezes inside its next claim (a GC pause, SIGSTOP, a VM migration)…
    paused.pause();
    await f.advance(LEASE + POLL + 2_000);
    expect(standby.role).toBe(BeatRole.leader);
    const sentBefore = f.sent.length;
    // …and wakes up: its claim reaches the store with its old epoch and is refused.
    paused.wake();
    await f.advance(0);
    expect(paused.claims.at(-1)).toEqual({ outcome: 'fenced' });
    expect(old.role).toBe(BeatRole.follower);
    expect(f.sent.length).toBe(sentBefore);
    await f.advance(5_000);
    assertEachTickOnce(f, 'tick');
    expect(f.sent.every((s) => s.headers['periodic_task_name'] === 'tick')).toBe(true);
    expect(f.logs.some((l) => /lost leadership .*epoch 1 is over/.test(l.message))).toBe(true);
  });

  it('send each tick exactly once over a minute of handovers among three replicas', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const { beats, coordinations } = await startReplicas(f, 3);
    for (let round = 0; round < 6; round++) {
      await f.advance(5_000);
      const leader = leaderOf(beats)[0]!;
      const i = beats.indexOf(leader);
      // Alternate: cut the leader off (then bring it back later), or restart nothing.
      coordinations[i]!.suspend();
      await f.advance(LEASE + POLL + 500);
      coordinations[i]!.resume();
    }
    await f.advance(5_000);
    const times = assertEachTickOnce(f, 'tick');
    expect(times.length).toBeGreaterThan(30);
    expect(maxGap(times)).toBeLessThanOrEqual(LEASE + POLL + 1_000);
    expect((await beats[0]!.leader())!.epoch).toBeGreaterThanOrEqual(7);
  });
});
