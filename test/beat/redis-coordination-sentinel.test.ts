/**
 * Redis beat coordination on Sentinel (a private master, replica and three Sentinels):
 * a claim is answered `claimed` only once a replica has it (`WAIT`), so a failover cannot
 * forget a run that was sent; with the replica gone the claim is refused (retryable), and
 * after the master is killed the coordination follows the new master, which has every
 * claimed run and the epoch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimOutcome, ConnectionLostError } from '@celeriac/protocol';
import { createRedisBeatCoordination } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import type { SentinelSetup } from '../cluster/redis-sentinel-setup.js';
import { startSentinelSetup } from '../cluster/redis-sentinel-setup.js';

let setup: SentinelSetup | undefined;

beforeAll(async () => {
  setup = await startSentinelSetup();
}, 60_000);

afterAll(async () => {
  await setup?.dispose();
});

describe('redis beat coordination on Sentinel', () => {
  it('claims only what a replica has, and keeps runs and epochs across a failover', async () => {
    const s = setup!;
    await using a = createRedisBeatCoordination(s.url, { namespace: 'sentinel-beat' });
    const lease = (await a.acquireLeadership('beat@a', 30_000))!;
    const t0 = Date.UTC(2026, 11, 6, 12);
    for (let i = 0; i < 5; i++) {
      expect(await a.claimRun(lease, { entry: 'tick', runAt: t0 + i * 1000 })).toMatchObject({
        outcome: ClaimOutcome.claimed,
      });
    }
    await s.master.kill();
    await waitFor(async () => (await s.currentMasterPort()) === s.replica.port, {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: 'the Sentinels to promote the replica',
    });
    // The new master has every claimed run and the lease; it has no replica left, so the
    // next claim is recorded but refused: nothing is sent that a failover could forget.
    await waitFor(
      async () => {
        try {
          return (await a.runs()).length === 1;
        } catch {
          return false;
        }
      },
      { timeoutMs: 20_000, intervalMs: 200, description: 'the coordination to reconnect' },
    );
    expect(await a.runs()).toEqual([
      { entry: 'tick', lastRunAt: t0 + 4000, totalRunCount: 5, epoch: lease.epoch },
    ]);
    expect(await a.leader()).toMatchObject({ holder: 'beat@a', epoch: lease.epoch });
    const refused = await a
      .claimRun(lease, { entry: 'tick', runAt: t0 + 5000 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectionLostError);
    expect((refused as Error).message).toMatch(/only 0 of 1 replicas have it after 1000 ms/);
  }, 90_000);
});
