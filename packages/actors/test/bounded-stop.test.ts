import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  StepAbandonedError,
  defineActor,
  defineSupervisor,
} from '@celeriac/actors';
import type { ErrorRecord } from '@celeriac/actors';
import { harness, resourceLog } from './helpers.js';

/** An actor whose step never ends and ignores its abort signal. */
function stubborn(log: ReturnType<typeof resourceLog>, shutdownTimeoutMs?: number) {
  return defineActor({
    name: 'stubborn',
    resources: { db: log.pair('db'), unit: log.pair('unit') },
    tasks: { work: { run: () => new Promise<never>(() => {}) } },
    initialTask: 'work',
    ...(shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs }),
  });
}

const abandonedErrors = (records: readonly { type: string }[]) =>
  records.filter(
    (r): r is ErrorRecord =>
      r.type === 'error' && (r as ErrorRecord).error instanceof StepAbandonedError,
  );

describe('bounded stop', () => {
  it('abandons a step that ignores its signal after timeoutMs, releases resources in order, and says so', async () => {
    const { system, clock, records } = harness();
    const log = resourceLog();
    const a = system.spawn(stubborn(log), { id: 'a' });
    await a.start();
    expect(a.activity).toBe('work.running');
    log.log.length = 0;
    let done = false;
    const stopping = a.stop({ timeoutMs: 1_000 }).then((report) => {
      done = true;
      return report;
    });
    await clock.advance(999);
    expect(done).toBe(false);
    expect(a.state).toBe('stopping.tasks');
    expect(log.log).toEqual([]);
    await clock.advance(1);
    const report = await stopping;
    expect(clock.now()).toBe(1_000);
    expect(a.state).toBe('stopped');
    expect(log.log).toEqual(['release unit stop', 'release db stop']);
    expect(report.clean).toBe(false);
    expect(report.abandoned).toMatchObject({ task: 'work', attempt: 1, timeoutMs: 1_000 });
    expect(report.abandoned?.reason).toBe(
      'Actor /a abandoned task "work" (attempt 1): the step did not end within 1000 ms of its abort signal (stop)',
    );
    const [record, ...more] = abandonedErrors(records);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ path: '/a', state: 'stopping.tasks' });
    expect(record!.error).toBe(report.abandoned?.error);
    expect(record!.error).toMatchObject({ code: 'ERR_STEP_ABANDONED' });
  });

  it('uses the definition bound, default 5 s; the spawn option overrides it; Infinity waits', async () => {
    const { system, clock } = harness();
    const log = resourceLog();
    const byDefault = system.spawn(stubborn(log), { id: 'default' });
    const byDefinition = system.spawn(stubborn(log, 200), { id: 'definition' });
    const bySpawn = system.spawn(stubborn(log, 200), { id: 'spawn', shutdownTimeoutMs: 50 });
    const forever = system.spawn(stubborn(log, Number.POSITIVE_INFINITY), { id: 'forever' });
    for (const a of [byDefault, byDefinition, bySpawn, forever]) await a.start();
    const stoppedAt: Record<string, number> = {};
    for (const a of [byDefault, byDefinition, bySpawn, forever]) {
      void a.stop().then(() => (stoppedAt[a.id] = clock.now()));
    }
    await clock.advance(60_000);
    expect(stoppedAt).toEqual({ default: 5_000, definition: 200, spawn: 50 });
    expect(forever.state).toBe('stopping.tasks');
    // A second stop with a bound cuts the wait short; the first caller gets the same report.
    const again = forever.stop({ timeoutMs: 10 });
    await clock.advance(10);
    await expect(again).resolves.toMatchObject({ abandoned: { timeoutMs: 10 } });
    expect(clock.now()).toBe(60_010);
  });

  it('does not wait for a step that honours its signal; the report is clean', async () => {
    const { system } = harness();
    const a = system.spawn(
      defineActor({
        name: 'polite',
        tasks: {
          work: {
            run: ({ signal }) =>
              new Promise((_, reject) =>
                signal.addEventListener('abort', () => reject(signal.reason as Error)),
              ),
          },
        },
        initialTask: 'work',
      }),
      { id: 'p' },
    );
    await a.start();
    const report = await a.stop({ timeoutMs: 1_000 });
    expect(report).toEqual({ path: '/p', children: [], clean: true });
    expect(await a.stop()).toEqual({ path: '/p', children: [], clean: true });
  });

  it('a shorter second stop cuts a long first one; a longer one does not extend it', async () => {
    const { system, clock } = harness();
    const a = system.spawn(stubborn(resourceLog()), { id: 'a' });
    await a.start();
    const first = a.stop({ timeoutMs: 10_000 });
    await clock.advance(100);
    expect(a.stop({ timeoutMs: 60_000 })).toBe(first);
    expect(a.stop({ timeoutMs: 300 })).toBe(first);
    await clock.advance(300);
    await expect(first).resolves.toMatchObject({ abandoned: { timeoutMs: 300 } });
    expect(clock.now()).toBe(400);
  });

  it('the abandoned step ending later changes nothing; the actor starts and works again', async () => {
    const { system, clock } = harness();
    let finish!: (v: unknown) => void;
    let runs = 0;
    const a = system.spawn(
      defineActor({
        name: 'late',
        tasks: {
          work: {
            run: () => {
              runs++;
              return new Promise((res) => (finish = res));
            },
          },
        },
      }),
      { id: 'a', shutdownTimeoutMs: 100 },
    );
    await a.start();
    const first = a.run('work').then(
      () => 'resolved',
      (e: unknown) => e,
    );
    const firstFinish = finish;
    const stopped = a.stop();
    await clock.advance(100);
    await stopped;
    expect(await first).toMatchObject({ message: 'run() of actor /a interrupted by stop' });
    await a.start();
    const second = a.run('work', 2);
    firstFinish('stale');
    await clock.advance(0);
    expect(a.activity).toBe('work.running');
    finish('fresh');
    await expect(second).resolves.toBe('fresh');
    expect(runs).toBe(2);
    await a.stop();
  });

  it('restart() is bounded the same way, and so is the release after a crash', async () => {
    const { system, clock, records } = harness();
    const log = resourceLog();
    let healthy = true;
    const def = defineActor({
      name: 'probe',
      resources: { unit: log.pair('unit') },
      tasks: { work: { run: () => new Promise<never>(() => {}) } },
      initialTask: 'work',
      shutdownTimeoutMs: 250,
      healthCheck: {
        intervalMs: 1_000,
        check: () => {
          if (!healthy) throw new Error('probe broke');
          return 'healthy';
        },
      },
    });
    const a = system.spawn(def, { id: 'a' });
    await a.start();
    const restarted = a.restart({ timeoutMs: 40 });
    await clock.advance(40);
    await restarted;
    expect(a.state).toBe('started.running.healthy');
    expect(abandonedErrors(records).map((r) => (r.error as Error).message)).toEqual([
      'Actor /a abandoned task "work" (attempt 1): the step did not end within 40 ms of its abort signal (restart)',
    ]);
    healthy = false;
    log.log.length = 0;
    await clock.advance(1_000);
    expect(a.state).toBe('crashed');
    expect(log.log).toEqual([]);
    await clock.advance(250);
    expect(log.log).toEqual(['release unit crash']);
    expect(abandonedErrors(records).at(-1)?.error).toMatchObject({ timeoutMs: 250 });
    await a.stop();
  });

  it('a stop during a pending acquire interrupts it at once: its signal fires, held ones are released', async () => {
    const { system, clock } = harness();
    const log = resourceLog();
    let acquireSignal: AbortSignal | undefined;
    let deliver!: (v: { name: string }) => void;
    const released: string[] = [];
    const def = defineActor({
      name: 'slow',
      resources: {
        db: log.pair('db'),
        unit: {
          acquire: ({ signal }) => {
            acquireSignal = signal;
            return new Promise<{ name: string }>((res) => (deliver = res));
          },
          release: (v: { name: string }) => void released.push(v.name),
        },
        never: log.pair('never'),
      },
    });
    const a = system.spawn(def, { id: 'a' });
    const starting = a.start();
    await clock.advance(10);
    expect(a.state).toBe('starting.resources');
    const report = await a.stop();
    expect(clock.now()).toBe(10);
    expect(acquireSignal?.aborted).toBe(true);
    expect(report).toMatchObject({ interruptedAcquire: 'unit', clean: true });
    expect(log.log).toEqual(['acquire db', 'release db stop']);
    await expect(starting).rejects.toThrow(/start\(\) of actor \/a interrupted by stop/);
    // The value the acquire still delivers is released, not leaked.
    deliver({ name: 'late unit' });
    await clock.advance(0);
    expect(released).toEqual(['late unit']);
    expect(a.state).toBe('stopped');
  });

  it('a supervisor child spec bounds the child: stopping the supervisor abandons its stuck step', async () => {
    const { system, clock } = harness();
    const log = resourceLog();
    const sup = system.spawn(
      defineSupervisor({
        name: 'pool',
        children: [
          { id: 'e1', actor: stubborn(log), shutdownTimeoutMs: 300 },
          { id: 'e2', actor: stubborn(log) },
        ],
      }),
      { id: 'pool' },
    );
    await sup.start();
    log.log.length = 0;
    const stopping = sup.stop();
    await clock.advance(5_000);
    expect(log.log).toEqual(['release unit stop', 'release db stop']);
    await clock.advance(300);
    const report = await stopping;
    expect(clock.now()).toBe(5_300);
    expect(log.log).toHaveLength(4);
    expect(sup.state).toBe('stopped');
    expect(report.clean).toBe(false);
    expect(report.children.map((c) => [c.path, c.abandoned?.timeoutMs])).toEqual([
      ['/pool/e2', 5_000],
      ['/pool/e1', 300],
    ]);
  });

  it('refuses a bad timeout with an error that names the argument', async () => {
    const { system } = harness();
    const a = system.spawn(stubborn(resourceLog()), { id: 'a' });
    await a.start();
    await expect(a.stop({ timeoutMs: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(a.stop({ timeoutMs: Number.NaN })).rejects.toThrow(
      'stop() of actor /a: timeoutMs must be a number of ms >= 0 (or Infinity), got NaN',
    );
    expect(() => stubborn(resourceLog(), -5)).toThrow(
      'stubborn: shutdownTimeoutMs must be a number of ms >= 0 (or Infinity), got -5',
    );
    expect(a.state).toBe('started.running.healthy');
    void a.stop({ timeoutMs: 0 });
  });
});
