/**
 * The state of one beat namespace as the RabbitMQ coordination keeps it: the whole of it,
 * as JSON, in the body of the one *token* message of the namespace's leader queue. Only the
 * replica holding the token reads or changes it; every change is a new token (see
 * `docs/beat.md`). Pure functions: the checks of `claimRun`, `putEntry` and `removeEntry`.
 */
import { randomUUID } from 'node:crypto';
import { ClaimOutcome } from '@celeriac/protocol';
import type {
  ClaimResult,
  EntryRun,
  LeaderLease,
  RunClaim,
  StoredEntries,
  StoredEntry,
  StoredEntryDefinition,
} from '@celeriac/protocol';

/** A run as the token stores it. */
interface StoredRun {
  readonly lastRunAt: number;
  readonly totalRunCount: number;
  readonly epoch: number;
}

/** What a token carries. */
export interface BeatState {
  /** Format version. */
  readonly v: 1;
  /** Greater on every new token: of two tokens, the one with the greater `seq` is newer. */
  readonly seq: number;
  /** Unique per token: how a holder tells its own new token from another with the same `seq`. */
  readonly id: string;
  /** The epoch of the last term granted in the namespace (0: none yet). */
  readonly epoch: number;
  /** The holder of the term with that epoch. */
  readonly holder: string | null;
  /** The last revision given to a put or a remove. */
  readonly revision: number;
  readonly runs: { readonly [entry: string]: StoredRun };
  readonly entries: {
    readonly [name: string]: { readonly definition: StoredEntryDefinition; revision: number };
  };
}

/** The state of a namespace nothing was ever recorded in: the bootstrap token's body. */
export const EMPTY_STATE: BeatState = {
  v: 1,
  seq: 0,
  id: 'empty',
  epoch: 0,
  holder: null,
  revision: 0,
  runs: {},
  entries: {},
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token's body, or undefined when it is not a token this version wrote. */
export function decodeState(body: Buffer): BeatState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value['v'] !== 1) return undefined;
  const { seq, id, epoch, revision, runs, entries } = value;
  if (typeof seq !== 'number' || typeof epoch !== 'number' || typeof revision !== 'number') {
    return undefined;
  }
  if (typeof id !== 'string') {
    return undefined;
  }
  if (!isRecord(runs) || !isRecord(entries)) return undefined;
  return value as unknown as BeatState;
}

/** The body of a token carrying `state`. */
export function encodeState(state: BeatState): Buffer {
  return Buffer.from(JSON.stringify(state), 'utf8');
}

/** `state` as the next token: `seq` one greater, a new `id`. */
export function bump(state: BeatState, change: Partial<BeatState> = {}): BeatState {
  return { ...state, ...change, seq: state.seq + 1, id: randomUUID() };
}

/** The state of a new term for `holder`: the next epoch. */
export function startTerm(state: BeatState, holder: string): BeatState {
  return bump(state, { epoch: state.epoch + 1, holder });
}

/** Every recorded run, sorted by entry name. */
export function listRuns(state: BeatState): EntryRun[] {
  return Object.keys(state.runs)
    .sort()
    .map((entry) => ({ entry, ...state.runs[entry]! }));
}

/** Every stored entry, sorted by name, and the set's revision. */
export function listEntries(state: BeatState): StoredEntries {
  const entries: StoredEntry[] = Object.keys(state.entries)
    .sort()
    .map((name) => ({ name, ...state.entries[name]! }));
  return { revision: state.revision, entries };
}

/**
 * Check a claim against the state, for a term that is live with `term` (undefined: no live
 * term here). Returns the answer and, when claimed, the state to commit before answering.
 */
export function checkClaim(
  state: BeatState,
  term: LeaderLease | undefined,
  lease: LeaderLease,
  claim: RunClaim,
): { result: ClaimResult; next?: BeatState } {
  if (term === undefined || term.holder !== lease.holder || term.epoch !== lease.epoch) {
    return { result: { outcome: ClaimOutcome.fenced } };
  }
  if (claim.revision !== undefined) {
    const stored = state.entries[claim.entry];
    if (stored?.revision !== claim.revision) {
      return { result: { outcome: ClaimOutcome.entryChanged, revision: stored?.revision } };
    }
  }
  const previous = state.runs[claim.entry];
  if (previous !== undefined && previous.lastRunAt >= claim.runAt) {
    return {
      result: { outcome: ClaimOutcome.alreadyRun, run: { entry: claim.entry, ...previous } },
    };
  }
  const run: StoredRun = {
    lastRunAt: claim.runAt,
    totalRunCount: (previous?.totalRunCount ?? 0) + 1,
    epoch: lease.epoch,
  };
  return {
    result: { outcome: ClaimOutcome.claimed, run: { entry: claim.entry, ...run } },
    next: bump(state, { runs: { ...state.runs, [claim.entry]: run } }),
  };
}

/** The state with `name` put: a new revision, its run kept. */
export function putEntry(
  state: BeatState,
  name: string,
  definition: StoredEntryDefinition,
): { stored: StoredEntry; next: BeatState } {
  const revision = state.revision + 1;
  return {
    stored: { name, definition, revision },
    next: bump(state, {
      revision,
      entries: { ...state.entries, [name]: { definition, revision } },
    }),
  };
}

/** The state with `name` and its run removed; undefined when there was no such entry. */
export function removeEntry(state: BeatState, name: string): BeatState | undefined {
  if (!Object.hasOwn(state.entries, name)) return undefined;
  const entries = { ...state.entries };
  const runs = { ...state.runs };
  delete entries[name];
  delete runs[name];
  return bump(state, { revision: state.revision + 1, entries, runs });
}
