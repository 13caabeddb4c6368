/**
 * A paused leader cannot send when it wakes up: a replica in a process of its own takes the
 * lease and is stopped (SIGSTOP); the broker misses its heartbeats, closes its connection and
 * moves the token to the replica in line here; the process is continued (SIGCONT) and asked
 * to claim a run: the answer is `fenced`, and the store has only the new leader's run.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createAmqpBeatCoordination } from '@celeriac/amqp';
import { ClaimOutcome } from '@celeriac/protocol';
import { waitFor } from '@celeriac/testing';
import { describe, expect, it } from 'vitest';
import { deleteBeatQueues } from './amqp-beat-queues.js';

const url = process.env.CELERIAC_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const CHILD = fileURLToPath(new URL('./amqp-coordination-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

describe('a paused RabbitMQ beat leader', () => {
  it('is fenced when it wakes up after the broker moved its token', async () => {
    const namespace = `beat-paused-${randomUUID()}`;
    const child = spawn(
      process.execPath,
      ['--conditions=@celeriac/source', '--import', 'tsx', CHILD],
      {
        cwd: REPO,
        env: { ...process.env, CHILD_URL: url, CHILD_NAMESPACE: namespace },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) lines.push(JSON.parse(part) as Record<string, unknown>);
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const next = createAmqpBeatCoordination(url, { namespace });
    try {
      await waitFor(() => lines.some((l) => 'lease' in l), {
        timeoutMs: 30_000,
        description: `the child's lease (${stderr})`,
      });
      const childLease = lines.find((l) => 'lease' in l)!['lease'] as { epoch: number };
      expect(await next.acquireLeadership('next', 60_000)).toBeUndefined();
      child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      // The broker closes the silent connection after about two missed heartbeats (1 s).
      const lease = await waitFor(() => next.acquireLeadership('next', 60_000), {
        timeoutMs: 20_000,
        intervalMs: 200,
        description: 'the replica in line leads',
      });
      const takeoverMs = Date.now() - stoppedAt;
      expect(lease.epoch).toBe(childLease.epoch + 1);
      expect(await next.claimRun(lease, { entry: 'e', runAt: 2000 })).toMatchObject({
        outcome: ClaimOutcome.claimed,
      });
      child.stdin.write('claim 1000\nclaim 3000\n');
      child.kill('SIGCONT');
      await waitFor(() => lines.filter((l) => 'claim' in l || 'error' in l).length >= 2, {
        timeoutMs: 20_000,
        description: 'the woken child answered',
      });
      const answers = lines.filter((l) => 'claim' in l || 'error' in l);
      console.log(JSON.stringify({ test: 'amqp-beat-paused-leader', takeoverMs, answers }));
      for (const answer of answers)
        expect(answer).toEqual({ claim: { outcome: ClaimOutcome.fenced } });
      expect(await next.runs()).toEqual([
        { entry: 'e', lastRunAt: 2000, totalRunCount: 1, epoch: lease.epoch },
      ]);
    } finally {
      child.kill('SIGCONT');
      child.stdin.end();
      child.kill('SIGKILL');
      await next.close();
      await deleteBeatQueues(url, [namespace]);
    }
  }, 60_000);
});
