/**
 * Redis Sentinel (issue 18): a private master, replica and three Sentinels. ~1,000
 * acks-late tasks flow through one worker on a `sentinel://` URL (transport and result
 * backend); the master is SIGKILLed mid-run. The Sentinels promote the replica; the same
 * worker and producer follow the new master without a restart. Tasks whose publish was
 * confirmed may be lost only inside Redis's asynchronous replication window (measured and
 * printed); every other confirmed task completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celeriac/testing';
import type { SentinelSetup } from './redis-sentinel-setup.js';
import { startSentinelSetup } from './redis-sentinel-setup.js';
import { runWorkload } from './redis-workload.js';

let setup: SentinelSetup | undefined;

beforeAll(async () => {
  setup = await startSentinelSetup();
}, 60_000);

afterAll(async () => {
  await setup?.dispose();
});

describe('Redis Sentinel', () => {
  it('keeps every confirmed task across a master failover; the worker follows the new master', async () => {
    const s = setup!;
    const figures = await runWorkload({
      url: s.url,
      queue: 'sentinel.scale',
      tasks: 1000,
      disruptAfter: 400,
      disrupt: async (mark) => {
        mark();
        await s.master.kill();
        await waitFor(async () => (await s.currentMasterPort()) === s.replica.port, {
          timeoutMs: 20_000,
          intervalMs: 100,
          description: 'the Sentinels to promote the replica',
        });
      },
      deadlineMs: 40_000,
    });
    console.log(JSON.stringify({ test: 'redis-sentinel-failover', ...figures }));
    expect(figures.confirmed).toBe(1000);
    // Only a publish confirmed just before the kill can be lost (asynchronous replication).
    expect(figures.lost).toBe(figures.lostInReplicationWindow);
    expect(figures.lost).toBeLessThanOrEqual(5);
    expect(figures.resumeMs).toBeLessThan(15_000);
    // Results stored just before the kill may share the replication window of the tasks.
    expect(figures.resultsStored).toBeGreaterThanOrEqual(990 - figures.lost);
  }, 100_000);
});
