/**
 * Redis beat coordination: the conformance suite on the shared Redis (a fresh namespace
 * and key prefix per test, deleted after it), and what the contract leaves to the store:
 * the key layout under one hash tag, fencing across replicas, errors when Redis is away.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { beatCoordinationConformance } from '@celeriac/testing';
import { ClaimOutcome, ClosedError, ConnectionLostError } from '@celeriac/protocol';
import {
  RedisBeatCoordination,
  RedisConnectionError,
  RedisTransport,
  createRedisBeatCoordination,
} from '@celeriac/redis';
import { TEST_REDIS_URL, deleteRedisKeys } from '../support/redis-keys.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function fresh() {
  const id = randomUUID().slice(0, 8);
  return { namespace: `test-${id}`, prefix: `celeriac-beat-test-${id}:` };
}

/** Delete a namespace's coordination keys and the test's prefixed keys. */
async function cleanup(namespace: string, prefix: string): Promise<void> {
  await deleteRedisKeys(`{celeriac.beat.${namespace}}`);
  await deleteRedisKeys(prefix);
}

beatCoordinationConformance('redis beat coordination', () => {
  const { namespace, prefix } = fresh();
  const transport = new RedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix });
  return {
    createCoordination: () =>
      new RedisBeatCoordination(TEST_REDIS_URL, { namespace, globalKeyprefix: prefix }),
    advance: sleep,
    ttlMs: 500,
    expirySlackMs: 50,
    existingQueue: async () => {
      await transport.declareExchange({ name: 'reports', type: 'direct' });
      await transport.bindQueue({ queue: 'reports', exchange: 'reports', routingKey: 'reports' });
      return 'reports';
    },
    cleanup: async () => {
      await transport.close();
      await cleanup(namespace, prefix);
    },
  };
});

describe('redis beat coordination, beyond the contract', () => {
  const made: { namespace: string; prefix: string }[] = [];
  const open: RedisBeatCoordination[] = [];
  const coordination = (namespace: string, url = TEST_REDIS_URL) => {
    const c = createRedisBeatCoordination(url, { namespace });
    open.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    for (const { namespace, prefix } of made.splice(0)) await cleanup(namespace, prefix);
  });

  it('keeps every key of a namespace under one hash tag, values as plain strings', async () => {
    const names = fresh();
    made.push(names);
    const a = coordination(names.namespace);
    expect(a.kind).toBe('redis');
    expect(a.namespace).toBe(names.namespace);
    const lease = (await a.acquireLeadership('beat@a', 5000))!;
    const entry = await a.putEntry('report', { task: 'proj.report', schedule: 60 });
    const runAt = Date.UTC(2026, 11, 6, 12, 0, 0, 123);
    await a.claimRun(lease, { entry: 'report', runAt, revision: entry.revision });
    const raw = new Redis(TEST_REDIS_URL);
    try {
      const tag = `{celeriac.beat.${names.namespace}}`;
      const keys = (await raw.keys(`${tag}*`)).sort();
      expect(keys).toEqual(
        ['entries', 'epoch', 'leader', 'revision', 'runs'].map((k) => `${tag}:${k}`),
      );
      expect(await raw.get(`${tag}:leader`)).toBe(`${lease.epoch}|beat@a`);
      expect(await raw.hget(`${tag}:runs`, 'report')).toBe(`${runAt}|1|${lease.epoch}`);
      expect(await raw.hget(`${tag}:entries`, 'report')).toBe(
        `${entry.revision}|{"task":"proj.report","schedule":60}`,
      );
    } finally {
      raw.disconnect();
    }
  });

  it('fences a paused leader whose lease lapsed and was taken: it can record nothing', async () => {
    const names = fresh();
    made.push(names);
    const a = coordination(names.namespace);
    const b = coordination(names.namespace);
    const old = (await a.acquireLeadership('beat@a', 200))!;
    await sleep(300); // a "pauses" past its lease
    const next = (await b.acquireLeadership('beat@b', 5000))!;
    expect(next.epoch).toBe(old.epoch + 1);
    const runAt = Date.now();
    expect(await a.claimRun(old, { entry: 'tick', runAt })).toEqual({
      outcome: ClaimOutcome.fenced,
    });
    expect(await b.claimRun(next, { entry: 'tick', runAt })).toMatchObject({
      outcome: ClaimOutcome.claimed,
      run: { entry: 'tick', lastRunAt: runAt, totalRunCount: 1, epoch: next.epoch },
    });
    expect(await a.renewLeadership(old, 5000)).toBe(false);
  });

  it('rejects with a one-line RedisConnectionError when Redis is not there, then ClosedError', async () => {
    const c = coordination('unreachable', 'redis://:secret@127.0.0.1:1/0');
    const error = await c.acquireLeadership('beat@a', 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect((error as Error).message).toMatch(/^Cannot connect to Redis at redis:\/\/:\*\*\*@127/);
    expect((error as Error).message).not.toMatch(/secret|\n/);
    await c.close();
    await expect(c.runs()).rejects.toBeInstanceOf(ClosedError);
  });

  it('answers ConnectionLostError (retryable) when the connection drops mid-call', async () => {
    const names = fresh();
    made.push(names);
    const c = new RedisBeatCoordination(TEST_REDIS_URL, {
      namespace: names.namespace,
      redis: { maxRetriesPerRequest: 0, retryStrategy: () => null },
    });
    open.push(c);
    await c.connect();
    const killer = new Redis(TEST_REDIS_URL);
    try {
      const clients = (await killer.call('CLIENT', 'LIST')) as string;
      const line = clients
        .split('\n')
        .find((l) => l.includes(`name=celeriac:beat:${names.namespace} `));
      const id = /^id=(\d+) /.exec(line ?? '')?.[1];
      expect(id).toBeDefined();
      await killer.call('CLIENT', 'KILL', 'ID', id!);
    } finally {
      killer.disconnect();
    }
    await sleep(50);
    const error = await c.leader().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as ConnectionLostError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/unreachable for beat leader/);
  });
});
