import { describe, expect, it } from 'vitest';
import { ActorInterruptedError, defineActor } from '@celeriac/actors';
import type { TransitionRecord } from '@celeriac/actors';
import { harness } from './helpers.js';

const moves = (records: readonly TransitionRecord[]) =>
  records.map((r) => `${String(r.fromActivity)}→${String(r.toActivity)} (${r.event})`);

describe('the activity region', () => {
  it('reports idle → <task>.waiting → <task>.running → idle for a run, and is idle when run() resolves', async () => {
    const { system, transitions } = harness();
    const def = defineActor({
      name: 'executor',
      tasks: { execute: { run: async ({ input }) => (input as number) + 1 } },
    });
    const a = system.spawn(def, { id: 'e' });
    await a.start();
    const before = transitions('/e').length;
    await expect(a.run('execute', 41)).resolves.toBe(42);
    expect(a.activity).toBe('idle');
    const run = transitions('/e').slice(before);
    expect(moves(run)).toEqual([
      'idle→execute.waiting (run)',
      'execute.waiting→execute.running (run)',
      'execute.running→idle (task.done)',
    ]);
    for (const r of run)
      expect([r.from, r.to]).toEqual(['started.running.healthy', 'started.running.healthy']);
    // Back to back, as a worker's executor is used.
    for (let i = 0; i < 3; i++) await expect(a.run('execute', i)).resolves.toBe(i + 1);
    await a.stop();
  });

  it('reports retries and the event that opened a health gate', async () => {
    const { system, clock, transitions } = harness();
    let calls = 0;
    const def = defineActor({
      name: 'flaky',
      tasks: {
        fetch: {
          run: () => {
            if (++calls === 1) throw new Error('once');
            return 'ok';
          },
          retry: { maxRetries: 1, backoff: { initialMs: 50 } },
          allowedIn: ['healthy'],
        },
      },
    });
    const a = system.spawn(def, { id: 'f' });
    await a.start();
    a.reportHealth('degraded');
    const before = transitions('/f').length;
    const result = a.run('fetch');
    expect(a.activity).toBe('fetch.waiting');
    a.reportHealth('healthy');
    expect(a.activity).toBe('fetch.running');
    await clock.advance(50);
    await expect(result).resolves.toBe('ok');
    expect(moves(transitions('/f').slice(before))).toEqual([
      'idle→fetch.waiting (run)',
      'fetch.waiting→fetch.waiting (health)',
      'fetch.waiting→fetch.running (health)',
      'fetch.running→fetch.retrying (task.failed)',
      'fetch.retrying→fetch.waiting (task.retry)',
      'fetch.waiting→fetch.running (task.retry)',
      'fetch.running→idle (task.done)',
    ]);
  });

  it('calls onEnter/onExit for activity nodes around a run', async () => {
    const { system } = harness();
    const calls: string[] = [];
    const def = defineActor({
      name: 'h',
      tasks: { work: { run: () => 1 } },
      hooks: {
        onEnter: (s) => {
          if (s.startsWith('activity.')) calls.push(`enter ${s}`);
        },
        onExit: (s) => {
          if (s.startsWith('activity.')) calls.push(`exit ${s}`);
        },
      },
    });
    const a = system.spawn(def, { id: 'h' });
    await a.start();
    calls.length = 0;
    await a.run('work');
    expect(calls).toEqual([
      'exit activity.idle',
      'enter activity.work',
      'enter activity.work.waiting',
      'exit activity.work.waiting',
      'enter activity.work.running',
      'exit activity.work.running',
      'exit activity.work',
      'enter activity.idle',
    ]);
  });

  it('fires the signal on restart and ignores the outcome of the aborted step', async () => {
    const { system, clock } = harness();
    const signals: AbortSignal[] = [];
    let finish!: (v: string) => void;
    const def = defineActor({
      name: 'slow',
      tasks: {
        work: {
          run: ({ signal }) => {
            signals.push(signal);
            return new Promise<string>((resolve) => (finish = resolve));
          },
        },
      },
    });
    const a = system.spawn(def, { id: 's' });
    await a.start();
    const first = a.run('work');
    const restarted = a.restart();
    await expect(first).rejects.toBeInstanceOf(ActorInterruptedError);
    expect(signals[0]!.aborted).toBe(true);
    finish('late'); // the step ignored its signal; restart waits for it, then starts again
    await restarted;
    expect(a.activity).toBe('idle');
    const second = a.run('work');
    expect(signals[1]!.aborted).toBe(false);
    await clock.advance(0);
    expect(a.activity).toBe('work.running');
    finish('fresh');
    await expect(second).resolves.toBe('fresh');
    await a.stop();
    expect(a.activity).toBeUndefined();
  });

  it('refuses run() while busy, outside started, and for undeclared tasks, naming the real cause', async () => {
    const { system } = harness();
    const def = defineActor({
      name: 'x',
      tasks: {
        work: {
          run: ({ signal }) =>
            new Promise((_, reject) =>
              signal.addEventListener('abort', () => reject(new Error('x'))),
            ),
        },
      },
    });
    const a = system.spawn(def, { id: 'x' });
    await expect(a.run('work')).rejects.toThrow('Cannot run() actor /x in state "initializing"');
    await a.start();
    await expect(a.run('nope' as 'work')).rejects.toThrow(
      'run() of actor /x: no task "nope" (tasks: "work")',
    );
    void a.run('work').catch(() => undefined);
    await expect(a.run('work')).rejects.toThrow(
      'Cannot run task "work" on actor /x: its activity is busy in "work.running" (one step at a time; run() starts from "idle")',
    );
    a.pause();
    await a.stop();
  });
});
