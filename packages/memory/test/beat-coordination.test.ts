import { beatCoordinationConformance } from '@celeriac/testing';
import { ClaimOutcome, ClosedError, ConnectionLostError } from '@celeriac/protocol';
import {
  MemoryBeatCoordination,
  MemoryBeatStore,
  MemoryTransport,
  createMemoryBeatCoordination,
  memoryBroker,
  resetMemoryRegistry,
} from '@celeriac/memory';
import { afterEach, describe, expect, it } from 'vitest';

/** A hand-moved clock: the store reads only `now()`. */
function manualClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

beatCoordinationConformance('memory beat coordination', () => {
  const clock = manualClock();
  const store = new MemoryBeatStore({ clock });
  const transport = new MemoryTransport();
  return {
    createCoordination: () => new MemoryBeatCoordination({ store, broker: transport.broker }),
    advance: clock.advance,
    ttlMs: 10_000,
    expirySlackMs: 0,
    existingQueue: async () => {
      await transport.declareQueue({ name: 'beat-conformance-existing' });
      return 'beat-conformance-existing';
    },
    cleanup: async () => {
      await transport.deleteQueue('beat-conformance-existing');
      await transport.close();
    },
  };
});

describe('memory beat coordination, beyond the contract', () => {
  afterEach(() => resetMemoryRegistry());

  it('shares one store per memory:// host and namespace', async () => {
    const a = createMemoryBeatCoordination('memory://Shop');
    const b = createMemoryBeatCoordination('memory://shop');
    const other = createMemoryBeatCoordination('memory://shop', { namespace: 'reports' });
    expect(a.store).toBe(b.store);
    expect(other.store).not.toBe(a.store);
    expect(other.namespace).toBe('reports');
    const lease = await a.acquireLeadership('a', 1000);
    expect(await b.leader()).toMatchObject({ holder: 'a', epoch: lease!.epoch });
    expect(await other.leader()).toBeUndefined();
    memoryBroker('shop').declareQueue({ name: 'celery' });
    expect(await b.queueExists('celery')).toBe(true);
  });

  it('fails every call while suspended, as an unreachable broker would, and recovers', async () => {
    const store = new MemoryBeatStore({ clock: manualClock() });
    const a = new MemoryBeatCoordination({ store });
    const lease = (await a.acquireLeadership('a', 1000))!;
    a.suspend();
    await expect(a.renewLeadership(lease, 1000)).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(a.claimRun(lease, { entry: 'e', runAt: 1 })).rejects.toThrow(
      /unreachable \(suspended\): claimRun/,
    );
    a.resume();
    expect(await a.claimRun(lease, { entry: 'e', runAt: 1 })).toMatchObject({
      outcome: ClaimOutcome.claimed,
    });
    await a.close();
    await expect(a.runs()).rejects.toBeInstanceOf(ClosedError);
  });

  it('keeps stored definitions apart from the caller’s objects', async () => {
    const a = new MemoryBeatCoordination({ store: new MemoryBeatStore() });
    const definition = { args: [1] };
    await a.putEntry('e', definition);
    definition.args.push(2);
    const listed = await a.entries();
    (listed.entries[0]!.definition['args'] as number[]).push(3);
    expect((await a.entries()).entries[0]!.definition).toEqual({ args: [1] });
  });
});
