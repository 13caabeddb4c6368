/**
 * Rounds for `npm run bench:redis`: every system runs once per round, rounds one after
 * the other (so a burst of load on the shared machine hits every system alike), and the
 * summary line of a system gives the median of its rounds with min and max. Ratios are
 * the median of the per-round ratios: both sides of each ratio ran minutes apart at most.
 */
import type { Drain, SystemResult } from './redis-bench-common.js';
import { report, round } from './redis-bench-common.js';

/** One system: its name and how to drain `tasks` of it. */
export interface BenchSystem {
  name: string;
  drain: Drain;
  /** Fixed task count (payload runs); otherwise sized from the warm-up. */
  tasks?: number;
  /** Extra fields of its lines. */
  extra?: Record<string, unknown>;
}

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Size each system's run from two warm-ups so its drain lasts about `windowS` seconds
 * (at least 2,000 tasks), unless the system or `fixed` gives the count.
 */
export async function sizeRuns(
  systems: readonly BenchSystem[],
  windowS: number,
  fixed: number | undefined,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const system of systems) {
    const fixedSize = system.tasks ?? fixed;
    // The first warm-up runs cold (JIT, scripts, connections); the second, warm, sizes.
    const cold = await system.drain(Math.min(fixedSize ?? 2_000, 2_000));
    if (fixedSize !== undefined) {
      sizes.set(system.name, fixedSize);
      continue;
    }
    const warm = await system.drain(Math.max(2_000, Math.round(cold.tasksPerSecond * 0.5)));
    // The faster of the two: a load burst during one warm-up would shrink the window.
    const rate = Math.max(cold.tasksPerSecond, warm.tasksPerSecond);
    const sized = Math.max(2_000, Math.round((rate * windowS) / 1000) * 1000);
    sizes.set(system.name, sized);
  }
  return sizes;
}

/** Run `rounds` rounds of every system, printing one line per run; returns the runs. */
export async function runRounds(
  systems: readonly BenchSystem[],
  sizes: ReadonlyMap<string, number>,
  rounds: number,
): Promise<Map<string, SystemResult[]>> {
  const runs = new Map<string, SystemResult[]>(systems.map((s) => [s.name, []]));
  for (let r = 1; r <= rounds; r++) {
    for (const system of systems) {
      const result = await system.drain(sizes.get(system.name) ?? 2_000);
      runs.get(system.name)!.push(result);
      report({
        bench: 'redis.throughput.round',
        system: system.name,
        round: r,
        tasks: result.tasks,
        drain_seconds: round(result.drainSeconds, 3),
        tasks_per_s: Math.round(result.tasksPerSecond),
        ...(result.bytesPerSecond === undefined
          ? {}
          : { mb_per_s: round(result.bytesPerSecond / 1e6, 1) }),
        ...system.extra,
      });
    }
  }
  return runs;
}

/** The median over rounds of `of(run)` / `of(base run)`, the same round on both sides. */
export function ratio(
  runs: ReadonlyMap<string, SystemResult[]>,
  system: string,
  base: string,
  of: (result: SystemResult) => number = (r) => r.tasksPerSecond,
): number | null {
  const mine = runs.get(system);
  const theirs = runs.get(base);
  if (!mine || !theirs || theirs.length === 0) return null;
  return round(median(mine.map((run, i) => of(run) / of(theirs[i]!))), 2);
}

/** The summary fields of one system: median, min and max over its rounds. */
export function summary(results: readonly SystemResult[]): Record<string, unknown> {
  const rates = results.map((r) => r.tasksPerSecond);
  const bytes = results.flatMap((r) => (r.bytesPerSecond === undefined ? [] : [r.bytesPerSecond]));
  return {
    rounds: results.length,
    tasks: results[0]?.tasks,
    tasks_per_s: Math.round(median(rates)),
    tasks_per_s_min: Math.round(Math.min(...rates)),
    tasks_per_s_max: Math.round(Math.max(...rates)),
    drain_seconds: round(median(results.map((r) => r.drainSeconds)), 3),
    publish_per_s: Math.round(median(results.map((r) => r.publishPerSecond))),
    ...(bytes.length === 0
      ? {}
      : {
          mb_per_s: round(median(bytes) / 1e6, 1),
          mb_per_s_min: round(Math.min(...bytes) / 1e6, 1),
          mb_per_s_max: round(Math.max(...bytes) / 1e6, 1),
        }),
  };
}
