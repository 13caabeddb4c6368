/**
 * `createBeat`: a beat replica — the entries, the actor that follows or leads, and the
 * run-time API (add, change, remove entries; list them with their runs) — over a client
 * that sends and a coordination store that every replica shares.
 */
import { createActorSystem, realClock } from '@celeriac/actors';
import type { ActorDefinition, ActorRef, ActorSystem } from '@celeriac/actors';
import type { LeaderInfo } from '@celeriac/protocol';
import { beatActorDefinition } from './beat-actor.js';
import type { BeatResources, BeatTask } from './beat-actor.js';
import { BeatCore } from './beat-core.js';
import type { BeatRole } from './beat-core.js';
import { defaultHolder, timingOf } from './beat-options.js';
import type { BeatOptions } from './beat-options.js';
import { baseOf } from './due.js';
import { CatchUp } from './entry.js';
import type { BeatEntry, EntrySource } from './entry.js';
import { EntryTable } from './entry-table.js';
import { BeatEntryError, BeatErrorCode, BeatStateError } from './errors.js';
import { consoleLogger } from './logger.js';
import { runTaskId } from './run-message.js';
import type { Schedule } from './schedule.js';
import { encodeStoredEntry } from './stored-entry.js';
import { defaultTracer } from './telemetry.js';
import { DEFAULT_TIMEZONE } from './time-zone.js';

/** One entry as `beat.entries()` lists it. */
export interface BeatEntryInfo {
  readonly name: string;
  /** Declared in code, or added at run time. */
  readonly source: EntrySource;
  readonly task: string;
  readonly schedule: Schedule;
  /** Scheduled time of the last recorded run. */
  readonly lastRunAt: Date | undefined;
  /** Runs recorded (Celery's `total_run_count`). */
  readonly totalRunCount: number;
  /** When it runs next, as far as this replica can tell; undefined when it is done or held. */
  readonly nextRunAt: Date | undefined;
  /** Why it is held, when it is. */
  readonly problem: BeatEntryError | undefined;
}

/**
 * A beat replica. `AsyncDisposable`: `await using beat = createBeat(…)` stops it.
 */
export interface Beat extends AsyncDisposable {
  /**
   * The beat actor's definition, for a supervisor that runs it as a child (a worker's
   * `-B`); then do not call `start()`, the supervisor does.
   */
  readonly definition: ActorDefinition<BeatResources, BeatTask>;
  /** The running actor, once started (by `start()` or a supervisor). */
  readonly actor: ActorRef | undefined;
  /** `follower` or `leader` while started, else undefined. */
  readonly role: BeatRole | undefined;
  /** This replica's name in the election. */
  readonly holder: string;
  /** The beat this replica belongs to (the coordination namespace). */
  readonly namespace: string;
  /** Entries held, each with why (bad schedule, unknown timezone, missing queue, …). */
  readonly problems: readonly BeatEntryError[];
  /** Spawn and start the beat actor; resolves once started (as a follower). */
  start(): Promise<void>;
  /** Stop: a leader releases its lease first, so another replica takes over at once. */
  stop(): Promise<void>;
  /** Same as {@link Beat.stop}. */
  close(): Promise<void>;
  /**
   * Add or replace a run-time entry, stored in the broker so every replica runs it. Throws
   * a {@link BeatEntryError} (nothing stored) for a bad entry, a queue the broker does not
   * have, or a name declared in code.
   */
  add(name: string, entry: BeatEntry): Promise<void>;
  /** Remove a run-time entry; false when there was none. */
  remove(name: string): Promise<boolean>;
  /** Every entry, code and run-time, with its runs, sorted by name. */
  entries(): Promise<BeatEntryInfo[]>;
  /** The current leader, as the store sees it. */
  leader(): Promise<LeaderInfo | undefined>;
  /** The task id of the run of `entry` scheduled at `runAt`. */
  taskId(entry: string, runAt: Date | number): string;
}

class BeatReplica implements Beat {
  readonly definition: ActorDefinition<BeatResources, BeatTask>;
  readonly #core: BeatCore;
  readonly #options: BeatOptions;
  #system: ActorSystem | undefined;
  #actor: ActorRef<BeatResources, BeatTask> | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: BeatOptions) {
    this.#options = options;
    const logger = options.logger ?? consoleLogger;
    const table = new EntryTable(options.schedule ?? {}, {
      timezone: options.timezone ?? DEFAULT_TIMEZONE,
      catchUp: options.catchUp ?? CatchUp.once,
      logger,
    });
    const tracer = options.tracer;
    this.#core = new BeatCore({
      client: options.client,
      coordination: options.coordination,
      holder: options.holder ?? defaultHolder(),
      clock: options.clock ?? options.system?.clock ?? realClock,
      logger,
      tracer: () => tracer ?? defaultTracer(),
      timing: timingOf(options),
      table,
      ownCoordination: options.ownCoordination ?? false,
    });
    this.definition = beatActorDefinition(this.#core);
  }

  get actor(): ActorRef | undefined {
    return this.#actor ?? this.#core.actor;
  }

  get role(): BeatRole | undefined {
    return this.#core.role;
  }

  get holder(): string {
    return this.#core.holder;
  }

  get namespace(): string {
    return this.#core.namespace;
  }

  get problems(): readonly BeatEntryError[] {
    return this.#core.table.problems();
  }

  start(): Promise<void> {
    if (this.#stopping !== undefined) return Promise.reject(new BeatStateError('start', 'stopped'));
    this.#starting ??= (async () => {
      const { system, parent, id } = this.#options;
      const logger = this.#core.logger;
      this.#system =
        system ??
        createActorSystem({
          clock: this.#core.clock,
          onUnhandledError: (error, actor) => {
            const why = error instanceof Error ? error.message : String(error);
            logger.error(`beat: actor ${actor.path} failed: ${why}`);
          },
        });
      const actor = this.#system.spawn(this.definition, {
        id: id ?? 'beat',
        ...(parent === undefined ? {} : { parent }),
      });
      this.#actor = actor;
      await actor.start();
    })();
    return this.#starting;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#starting?.catch(() => undefined);
      await this.#actor?.stop();
      if (this.#options.system === undefined) await this.#system?.close();
    })();
    return this.#stopping;
  }

  close(): Promise<void> {
    return this.stop();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #refuseCode(name: string, what: string): void {
    if (this.#core.table.declaredInCode(name)) {
      throw new BeatEntryError(
        BeatErrorCode.conflict,
        name,
        `is declared in code; ${what} it there (run-time changes are for run-time entries)`,
      );
    }
  }

  async add(name: string, entry: BeatEntry): Promise<void> {
    if (this.#stopping !== undefined) throw new BeatStateError('add an entry', 'stopped');
    this.#refuseCode(name, 'change');
    const core = this.#core;
    const since = core.clock.now();
    const compiled = core.table.compileRuntime(name, entry, since);
    const queue = compiled.options.queue;
    const { coordination } = core;
    if (queue !== undefined && coordination.queueExists !== undefined) {
      if (!(await coordination.queueExists(queue))) {
        throw new BeatEntryError(
          BeatErrorCode.queue,
          name,
          `queue ${JSON.stringify(queue)} does not exist on the broker (declare it, or start a worker that consumes it)`,
        );
      }
    }
    await coordination.putEntry(name, encodeStoredEntry(entry, compiled.schedule.schedule, since));
    core.logger.info(`beat entry ${JSON.stringify(name)}: stored (${compiled.task})`);
    this.#changed();
  }

  async remove(name: string): Promise<boolean> {
    if (this.#stopping !== undefined) throw new BeatStateError('remove an entry', 'stopped');
    this.#refuseCode(name, 'remove');
    const removed = await this.#core.coordination.removeEntry(name);
    if (removed) this.#core.logger.info(`beat entry ${JSON.stringify(name)}: removed`);
    this.#changed();
    return removed;
  }

  #changed(): void {
    this.#core.entriesChanged = true;
    this.#core.wakeup.wake();
  }

  async entries(): Promise<BeatEntryInfo[]> {
    const { coordination, table, clock } = this.#core;
    const [stored, runs] = await Promise.all([coordination.entries(), coordination.runs()]);
    table.applyStored(stored);
    const byName = new Map(runs.map((run) => [run.entry, run]));
    const problems = new Map(table.problems().map((p) => [p.entry, p]));
    const now = clock.now();
    const infos: BeatEntryInfo[] = table.all().map((entry) => {
      const run = byName.get(entry.name);
      const base = entry.schedule.anchored
        ? baseOf(entry, run?.lastRunAt, now)
        : (run?.lastRunAt ?? -Infinity);
      const next = problems.has(entry.name) ? undefined : entry.schedule.nextAfter(base);
      return {
        name: entry.name,
        source: entry.source,
        task: entry.task,
        schedule: entry.schedule.schedule,
        lastRunAt: run === undefined ? undefined : new Date(run.lastRunAt),
        totalRunCount: run?.totalRunCount ?? 0,
        nextRunAt: next === undefined ? undefined : new Date(next),
        problem: problems.get(entry.name),
      };
    });
    return infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  leader(): Promise<LeaderInfo | undefined> {
    return this.#core.coordination.leader();
  }

  taskId(entry: string, runAt: Date | number): string {
    return runTaskId(this.namespace, entry, typeof runAt === 'number' ? runAt : runAt.getTime());
  }
}

/**
 * Create a beat replica. Run as many as you like against one broker: one leads and sends,
 * the others wait to take over.
 *
 * @example
 * ```ts
 * const beat = createBeat({
 *   client,
 *   coordination: createMemoryBeatCoordination('memory://'),
 *   timezone: 'Europe/Paris',
 *   schedule: {
 *     cleanup: { task: 'shop.cleanup', schedule: 30 },
 *     report: { task: 'shop.report', schedule: crontab({ hour: 7, minute: 30 }) },
 *   },
 * });
 * await beat.start();
 * ```
 */
export function createBeat(options: BeatOptions): Beat {
  return new BeatReplica(options);
}
