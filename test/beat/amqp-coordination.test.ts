/**
 * The RabbitMQ beat coordination against the conformance suite and beyond it, on the shared
 * broker: every test uses a namespace of its own and deletes its queues afterwards.
 */
import { connect } from 'amqplib';
import { ClaimOutcome } from '@celeriac/protocol';
import type { AmqpBeatCoordination } from '@celeriac/amqp';
import { beatCoordinationQueues, createAmqpBeatCoordination } from '@celeriac/amqp';
import { beatCoordinationConformance, sleep, uniqueName, waitFor } from '@celeriac/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteBeatQueues } from './amqp-beat-queues.js';

const url = process.env.CELERIAC_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';

beatCoordinationConformance('amqp beat coordination (RabbitMQ)', () => {
  const namespace = uniqueName('beat-conf');
  const existing = uniqueName('beat-conf-existing');
  return {
    createCoordination: () => createAmqpBeatCoordination(url, { namespace }),
    advance: (ms) => sleep(ms),
    ttlMs: 1_000,
    expirySlackMs: 100,
    countsLeaseTime: false,
    existingQueue: async () => {
      const model = await connect(url);
      const channel = await model.createChannel();
      await channel.assertQueue(existing, { durable: false });
      await model.close();
      return existing;
    },
    cleanup: () => deleteBeatQueues(url, [namespace], [existing]),
  };
});

beatCoordinationConformance('amqp beat coordination on quorum queues (RabbitMQ)', () => {
  const namespace = uniqueName('beat-conf-q');
  return {
    createCoordination: () => createAmqpBeatCoordination(url, { namespace, queueType: 'quorum' }),
    advance: (ms) => sleep(ms),
    ttlMs: 1_000,
    expirySlackMs: 100,
    countsLeaseTime: false,
    cleanup: () => deleteBeatQueues(url, [namespace]),
  };
});

describe('amqp beat coordination, beyond the contract', () => {
  const namespaces: string[] = [];
  const open: AmqpBeatCoordination[] = [];
  const replica = (namespace: string) => {
    const coordination = createAmqpBeatCoordination(url, { namespace });
    open.push(coordination);
    return coordination;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await deleteBeatQueues(url, namespaces.splice(0));
  });

  it('hands leadership to a waiting replica as soon as the leader’s connection closes', async () => {
    const namespace = uniqueName('beat-handover');
    namespaces.push(namespace);
    const [a, b] = [replica(namespace), replica(namespace)];
    const first = (await a.acquireLeadership('a', 60_000))!;
    expect(await b.acquireLeadership('b', 60_000)).toBeUndefined();
    await a.claimRun(first, { entry: 'e', runAt: 1000 });
    // b stands in line; closing a's connection (as a SIGKILL would) moves the token to b,
    // which starts its term without being asked again.
    const started = Date.now();
    await a.close();
    await waitFor(async () => (await b.leader())?.holder === 'b', { timeoutMs: 5_000 });
    const tookMs = Date.now() - started;
    const second = (await b.acquireLeadership('b', 60_000))!;
    expect(second.epoch).toBe(first.epoch + 1);
    expect(await b.runs()).toEqual([
      { entry: 'e', lastRunAt: 1000, totalRunCount: 1, epoch: first.epoch },
    ]);
    console.log(JSON.stringify({ test: 'amqp-beat-handover', handoverMs: tookMs }));
    expect(tookMs).toBeLessThan(2_000);
  });

  it('keeps the state in the token across every replica closing, and leaves one token', async () => {
    const namespace = uniqueName('beat-durable');
    namespaces.push(namespace);
    const a = replica(namespace);
    const lease = (await a.acquireLeadership('a', 60_000))!;
    await a.putEntry('nightly', { task: 'proj.nightly' });
    expect(await a.claimRun(lease, { entry: 'nightly', runAt: 5 })).toMatchObject({
      outcome: ClaimOutcome.claimed,
    });
    await a.close();
    const b = replica(namespace);
    expect((await b.entries()).entries.map((e) => e.name)).toEqual(['nightly']);
    expect(await b.runs()).toMatchObject([{ entry: 'nightly', lastRunAt: 5, totalRunCount: 1 }]);
    expect(await b.leader()).toBeUndefined();
    const next = (await b.acquireLeadership('b', 60_000))!;
    expect(next.epoch).toBe(lease.epoch + 1);
    await b.close();
    const model = await connect(url);
    const channel = await model.createChannel();
    const { messageCount } = await channel.checkQueue(beatCoordinationQueues(namespace).leader);
    await model.close();
    expect(messageCount).toBe(1);
  });

  it('answers a queue check and fails a bad URL with one line naming it, password masked', async () => {
    const bad = createAmqpBeatCoordination('amqp://guest:secret@127.0.0.1:1//', {
      namespace: 'x',
      connectTimeoutMs: 2_000,
    });
    const error = await bad.connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^Could not connect to amqp:\/\/guest:\*\*\*\*@127\.0\.0\.1:1\/\/: connection refused/,
    );
    expect(error?.message).not.toContain('secret');
    expect(error?.message).not.toContain('\n');
    await bad.close();
  });

  it('gives the token back when the leader stops renewing, within the lease', async () => {
    const namespace = uniqueName('beat-lapse');
    namespaces.push(namespace);
    const [a, b] = [replica(namespace), replica(namespace)];
    const first = (await a.acquireLeadership('a', 500))!;
    expect(await b.acquireLeadership('b', 60_000)).toBeUndefined();
    await sleep(700);
    // b was in line: it holds the token now, with the next epoch.
    const second = (await b.acquireLeadership('b', 60_000))!;
    expect(second.epoch).toBe(first.epoch + 1);
    expect(await a.claimRun(first, { entry: 'e', runAt: 1 })).toEqual({
      outcome: ClaimOutcome.fenced,
    });
  });

  it('adopts a newer token queued behind the one it got (a holder died between publish and ack)', async () => {
    const namespace = uniqueName('beat-fork');
    namespaces.push(namespace);
    const { leader } = beatCoordinationQueues(namespace);
    // Declares the queues and publishes the bootstrap token.
    await replica(namespace).connect();
    // A holder takes the bootstrap token, publishes a newer state (confirmed), and dies
    // before acknowledging: the old token goes back in front of the new one.
    const model = await connect(url);
    const channel = await model.createConfirmChannel();
    await channel.prefetch(1);
    const got = new Promise<void>((resolve) => {
      void channel.consume(leader, () => resolve(), { noAck: false });
    });
    await got;
    const real = {
      v: 1,
      seq: 5,
      id: 'real',
      epoch: 7,
      holder: 'dead',
      revision: 2,
      runs: { e: { lastRunAt: 1000, totalRunCount: 3, epoch: 7 } },
      entries: {},
    };
    channel.sendToQueue(leader, Buffer.from(JSON.stringify(real)), { persistent: true });
    await channel.waitForConfirms();
    await model.close();
    const next = replica(namespace);
    const lease = (await next.acquireLeadership('next', 60_000))!;
    expect(lease.epoch).toBe(8);
    expect(await next.runs()).toEqual([
      { entry: 'e', lastRunAt: 1000, totalRunCount: 3, epoch: 7 },
    ]);
    await next.close();
    const check = await connect(url);
    const { messageCount } = await (await check.createChannel()).checkQueue(leader);
    await check.close();
    expect(messageCount).toBe(1);
  });
});
