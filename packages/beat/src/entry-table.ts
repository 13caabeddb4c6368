/**
 * The entries a beat runs: those declared in code, compiled once, and the run-time ones
 * read from the coordination store, compiled again only when the store's revision moves.
 * An entry that cannot run is held with its error — logged once, listed in `problems` —
 * and every other entry runs.
 */
import type { StoredEntries } from '@celeriac/protocol';
import { compileEntry, EntrySource } from './entry.js';
import type { BeatSchedule, CatchUp, CompiledEntry } from './entry.js';
import { BeatEntryError, BeatErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { decodeStoredEntry } from './stored-entry.js';

/** The compiled entries of one beat, and the problems of those held. */
export class EntryTable {
  readonly #timezone: string;
  readonly #catchUp: CatchUp;
  readonly #logger: Logger;
  readonly #code = new Map<string, CompiledEntry>();
  /** Every name declared in code, compiled or not. */
  readonly #codeNames: ReadonlySet<string>;
  #stored = new Map<string, CompiledEntry>();
  #storedRevision: number | undefined;
  /** Code entries that cannot compile, by name, with why. */
  readonly #codeProblems = new Map<string, BeatEntryError>();
  /** Run-time entries that cannot compile or clash with code ones; rebuilt on every revision. */
  #storedProblems = new Map<string, BeatEntryError>();
  /** Entries held because their queue does not exist (yet), by name, with why. */
  readonly #missingQueues = new Map<string, BeatEntryError>();
  /** Messages already logged, so a problem seen on every refresh is logged once. */
  readonly #logged = new Set<string>();

  constructor(
    schedule: BeatSchedule,
    options: { timezone: string; catchUp: CatchUp; logger: Logger },
  ) {
    this.#timezone = options.timezone;
    this.#catchUp = options.catchUp;
    this.#logger = options.logger;
    this.#codeNames = new Set(Object.keys(schedule));
    for (const [name, entry] of Object.entries(schedule)) {
      try {
        this.#code.set(name, compileEntry(name, entry, this.#context(EntrySource.code)));
      } catch (error) {
        this.#hold(this.#codeProblems, name, error);
      }
    }
  }

  #context(source: EntrySource, revision?: number, since?: number) {
    return {
      timezone: this.#timezone,
      catchUp: this.#catchUp,
      source,
      ...(revision === undefined ? {} : { revision }),
      ...(since === undefined ? {} : { since }),
    };
  }

  #hold(problems: Map<string, BeatEntryError>, name: string, error: unknown): void {
    if (!(error instanceof BeatEntryError)) throw error;
    problems.set(name, error);
  }

  /** Whether `name` is declared in code (run-time changes to it are refused). */
  declaredInCode(name: string): boolean {
    return this.#codeNames.has(name);
  }

  /** Compile an entry as a run-time one would be, to refuse a bad `add` before storing it. */
  compileRuntime(
    name: string,
    entry: Parameters<typeof compileEntry>[1],
    since: number,
  ): CompiledEntry {
    return compileEntry(name, entry, this.#context(EntrySource.runtime, 0, since));
  }

  /** Take the store's run-time entries; recompiles (and answers true) only when its revision moved. */
  applyStored(stored: StoredEntries): boolean {
    if (stored.revision === this.#storedRevision) return false;
    this.#storedRevision = stored.revision;
    const next = new Map<string, CompiledEntry>();
    const problems = new Map<string, BeatEntryError>();
    for (const item of stored.entries) {
      if (this.#codeNames.has(item.name)) {
        const reason = 'is declared in code and stored at run time; the code entry runs';
        problems.set(item.name, new BeatEntryError(BeatErrorCode.conflict, item.name, reason));
        continue;
      }
      const previous = this.#stored.get(item.name);
      if (previous?.revision === item.revision) {
        next.set(item.name, previous);
        continue;
      }
      const decoded = decodeStoredEntry(item);
      if (typeof decoded === 'string') {
        problems.set(item.name, new BeatEntryError(BeatErrorCode.entry, item.name, decoded));
        continue;
      }
      try {
        const context = this.#context(EntrySource.runtime, item.revision, decoded.since);
        next.set(item.name, compileEntry(item.name, decoded.entry, context));
      } catch (error) {
        this.#hold(problems, item.name, error);
      }
    }
    for (const name of this.#missingQueues.keys()) {
      if (!this.#code.has(name) && !next.has(name)) this.#missingQueues.delete(name);
    }
    this.#stored = next;
    this.#storedProblems = problems;
    return true;
  }

  /** Every compiled entry, held ones included, code entries first. */
  all(): CompiledEntry[] {
    return [...this.#code.values(), ...this.#stored.values()];
  }

  /** The entries that run now: compiled, and their queue known to exist. */
  runnable(): CompiledEntry[] {
    return this.all().filter((e) => !this.#missingQueues.has(e.name));
  }

  /** The entry of that name, if compiled. */
  get(name: string): CompiledEntry | undefined {
    return this.#code.get(name) ?? this.#stored.get(name);
  }

  /**
   * Ask the broker about the queue of every entry that names one (all when `all`, else
   * only those held): an entry whose queue is missing is held until it exists.
   */
  async checkQueues(exists: (queue: string) => Promise<boolean>, all: boolean): Promise<void> {
    for (const entry of this.all()) {
      const queue = entry.options.queue;
      if (queue === undefined || (!all && !this.#missingQueues.has(entry.name))) continue;
      if (await exists(queue)) {
        if (this.#missingQueues.delete(entry.name)) {
          this.#logger.info(
            `beat entry ${JSON.stringify(entry.name)}: queue ${JSON.stringify(queue)} exists now; the entry runs`,
          );
        }
      } else if (!this.#missingQueues.has(entry.name)) {
        const reason = `queue ${JSON.stringify(queue)} does not exist on the broker (declare it, or start a worker that consumes it); the entry is held until it does`;
        this.#missingQueues.set(
          entry.name,
          new BeatEntryError(BeatErrorCode.queue, entry.name, reason),
        );
      }
    }
  }

  /** The entries held and why, by name. */
  problems(): BeatEntryError[] {
    const all = [
      ...this.#codeProblems.values(),
      ...this.#storedProblems.values(),
      ...this.#missingQueues.values(),
    ];
    return all.sort((a, b) => (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0));
  }

  /** Log every problem not logged before (each once). */
  logProblems(): void {
    for (const problem of this.problems()) {
      if (this.#logged.has(problem.message)) continue;
      this.#logged.add(problem.message);
      this.#logger.error(problem.message, { entry: problem.entry, code: problem.code });
    }
  }
}
