/**
 * The replica test of `celeriac beat`, shared by the Redis and the RabbitMQ files: one
 * `celeriac worker` and three `celeriac beat` replicas (processes) of a 1-second entry for
 * about a minute, the leader SIGKILLed twice along the way; then the only replica left
 * stopped and started again. Sends are counted by the scheduled time each message carries
 * (`periodic_task_scheduled_at`, logged by the worker's task). Prints the measured
 * failover times as JSON lines.
 */
import { expect } from 'vitest';
import { BIN, spawnCli } from '../support/cli-process.js';
import type { CliProcess } from '../support/cli-process.js';
import { BEAT_TEST_APP, duplicates, gaps, ticksIn, waitForTicks } from './ticks.js';

/** The lease the replicas run with (s): the failover bound is lease + lease/3 (+ a round trip). */
export const LEASE_S = 3;
/** The documented bound between two consecutive scheduled times of the 1-second entry. */
export const MAX_GAP_MS = LEASE_S * 1000 + (LEASE_S * 1000) / 3 + 1000 + 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one run of the scenario measured. */
export interface ReplicaFigures {
  failoverMs: number[];
  ticks: number;
  maxGapMs: number;
}

/** Epoch of the latest `leads <ns> (epoch N)` line of a replica, or 0. */
function epochOf(cli: CliProcess, namespace: string): number {
  const epochs = [
    ...cli.output().matchAll(new RegExp(`leads ${namespace} \\(epoch (\\d+)\\)`, 'g')),
  ];
  return epochs.length === 0 ? 0 : Number(epochs.at(-1)![1]);
}

async function leaderAmong(
  replicas: CliProcess[],
  namespace: string,
  above: number,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const best = replicas
      .map((cli) => ({ cli, epoch: epochOf(cli, namespace) }))
      .filter((r) => r.epoch > above)
      .sort((a, b) => b.epoch - a.epoch)[0];
    if (best) return best;
    if (Date.now() > deadline) {
      throw new Error(
        `no replica led above epoch ${above} within ${timeoutMs} ms:\n${replicas.map((r) => r.output()).join('\n---\n')}`,
      );
    }
    await sleep(25);
  }
}

/** Run the scenario on `env` (BEAT_TEST_* and CELERIAC_BEAT_NAMESPACE set by the caller). */
export async function replicaScenario(
  brokerName: string,
  env: Record<string, string>,
  options: { runMs?: number } = {},
): Promise<ReplicaFigures> {
  const namespace = env['CELERIAC_BEAT_NAMESPACE']!;
  const runMs = options.runMs ?? 60_000;
  const worker = spawnCli(
    BIN,
    ['worker', '-A', BEAT_TEST_APP, '-c', '4', '-n', `${namespace}@replicas`],
    { env },
  );
  await worker.waitFor(' ready.', 60_000);
  const started = Date.now();
  const beat = () =>
    spawnCli(BIN, ['beat', '-A', BEAT_TEST_APP, '--lease', String(LEASE_S)], { env });
  const replicas = [beat(), beat(), beat()];
  await Promise.all(replicas.map((r) => r.waitFor('is starting.', 60_000)));
  let leader = await leaderAmong(replicas, namespace, 0, 30_000);
  await waitForTicks(worker.output, 3, 20_000);

  const failoverMs: number[] = [];
  for (const at of [runMs / 4, runMs / 2]) {
    await sleep(Math.max(0, started + at - Date.now()));
    const killedAt = Date.now();
    process.kill(leader.cli.child.pid!, 'SIGKILL');
    await leader.cli.exited;
    const alive = replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    leader = await leaderAmong(alive, namespace, leader.epoch, 20_000);
    failoverMs.push(Date.now() - killedAt);
  }
  await sleep(Math.max(0, started + runMs - Date.now()));

  // The only replica left: stopped (lease released), started again.
  const before = ticksIn(worker.output());
  process.kill(leader.cli.child.pid!, 'SIGTERM');
  expect((await leader.cli.exited).code).toBe(0);
  const lastBefore = Math.max(...before.map((t) => t.at));
  await sleep(2_500); // two or three ticks fall due while no beat is up
  const restarted = beat();
  await leaderAmong([restarted], namespace, leader.epoch, 30_000);
  const ledAt = Date.now();
  await waitForTicks(worker.output, before.length + 3, 20_000);
  process.kill(restarted.child.pid!, 'SIGTERM');
  expect((await restarted.exited).code).toBe(0);
  await sleep(1_500);
  process.kill(worker.child.pid!, 'SIGTERM');
  await worker.exited;

  const ticks = ticksIn(worker.output());
  const after = ticks.slice(before.length);
  // Each due tick sent once: no scheduled time twice.
  expect(duplicates(ticks)).toEqual([]);
  // Across the restart nothing repeated, and the runs missed while no beat was up were sent
  // at once as one (catch-up `once`: the latest missed time), then the grid went on.
  expect(after[0]!.at).toBeGreaterThan(lastBefore);
  expect(after[0]!.at).toBeGreaterThanOrEqual(ledAt - 1_000 - 500);
  expect(after[1]!.at - after[0]!.at).toBe(1_000);
  // While replicas ran: no gap longer than the documented failover bound.
  const maxGapMs = Math.max(...gaps(before));
  expect(maxGapMs).toBeLessThanOrEqual(MAX_GAP_MS);
  for (const ms of failoverMs) expect(ms).toBeLessThanOrEqual(LEASE_S * 1000 + 1000 + 1500);
  const figures = { failoverMs, ticks: ticks.length, maxGapMs };
  console.log(
    JSON.stringify({ test: 'beat replicas', broker: brokerName, leaseS: LEASE_S, ...figures }),
  );
  return figures;
}
