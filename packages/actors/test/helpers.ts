import { SimulatedClock, createActorSystem } from '@celeriac/actors';
import type { ActorSystemOptions, InspectionRecord, TransitionRecord } from '@celeriac/actors';

/** A system on simulated time that records every inspection record and unhandled error. */
export function harness(options: ActorSystemOptions = {}) {
  const clock = new SimulatedClock();
  const unhandled: unknown[] = [];
  const system = createActorSystem({
    clock,
    random: () => 0.5,
    onUnhandledError: (error) => unhandled.push(error),
    ...options,
  });
  const records: InspectionRecord[] = [];
  system.inspect((r) => records.push(r));
  const transitions = (path?: string): TransitionRecord[] =>
    records.filter(
      (r): r is TransitionRecord =>
        r.type === 'transition' && (path === undefined || r.path === path),
    );
  /** The lifecycle states an actor went through, deduplicated consecutive repeats. */
  const states = (path: string): string[] => {
    const out: string[] = [];
    for (const t of transitions(path)) if (out.at(-1) !== t.to) out.push(t.to);
    return out;
  };
  return { clock, system, records, transitions, states, unhandled };
}

/** A resource log: acquire/release calls in order. */
export function resourceLog() {
  const log: string[] = [];
  const pair = (name: string, opts: { failAcquire?: boolean; failRelease?: boolean } = {}) => ({
    acquire: async () => {
      log.push(`acquire ${name}`);
      if (opts.failAcquire) throw new Error(`${name} acquire failed`);
      return { name };
    },
    release: async (_v: { name: string }, reason: string) => {
      log.push(`release ${name} ${reason}`);
      if (opts.failRelease) throw new Error(`${name} release failed`);
    },
  });
  return { log, pair };
}
