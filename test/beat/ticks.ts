/**
 * Reading beat's runs back from a worker's output: the fixture app's task logs
 * `TICK <entry> <periodic_task_scheduled_at>` for every message it runs, so a test counts
 * sends by the scheduled time each message carries.
 */
import { fileURLToPath } from 'node:url';

/** The app module of the beat CLI tests (`BEAT_TEST_*` variables). */
export const BEAT_TEST_APP = fileURLToPath(
  new URL('../../packages/celeriac/test/fixtures/beat-app.ts', import.meta.url),
);

/** One run a worker executed. */
export interface Tick {
  readonly entry: string;
  /** Scheduled time, ms since the Unix epoch. */
  readonly at: number;
}

/** Every `TICK` line of `output`, in order. */
export function ticksIn(output: string): Tick[] {
  return [...output.matchAll(/TICK (\S+) (\S+) /g)].map((m) => ({
    entry: m[1]!,
    at: Date.parse(m[2]!),
  }));
}

/** Scheduled times that occur more than once. */
export function duplicates(ticks: readonly Tick[]): number[] {
  const seen = new Set<number>();
  const twice = new Set<number>();
  for (const tick of ticks) (seen.has(tick.at) ? twice : seen).add(tick.at);
  return [...twice].sort((a, b) => a - b);
}

/** Scheduled times sorted, and the gaps between consecutive ones (ms). */
export function gaps(ticks: readonly Tick[]): number[] {
  const times = [...new Set(ticks.map((t) => t.at))].sort((a, b) => a - b);
  return times.slice(1).map((t, i) => t - times[i]!);
}

/** Resolves once `output()` holds at least `n` TICK lines; rejects after `timeoutMs`. */
export async function waitForTicks(
  output: () => string,
  n: number,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (ticksIn(output()).length < n) {
    if (Date.now() > deadline) {
      throw new Error(`fewer than ${n} ticks within ${timeoutMs} ms; output:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
