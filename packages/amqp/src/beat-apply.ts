/**
 * How the replica holding a namespace's token answers a request: read the state it
 * carries, or change it by committing a new token. Called one at a time per slot.
 */
import { ClaimOutcome, ConnectionLostError, TransportError } from '@celeriac/protocol';
import type { ClaimResult, JsonValue, LeaderLease, RunClaim } from '@celeriac/protocol';
import type { BeatRequest } from './beat-requests.js';
import type { BeatState } from './beat-state.js';
import * as beatState from './beat-state.js';
import type { TokenSlot } from './beat-token-slot.js';
import { oneLine } from './connection-errors.js';

/**
 * Apply `request` on `slot`, which holds the token; `term` is this replica's live term
 * (undefined when it holds the token only to answer).
 */
export async function applyRequest(
  slot: TokenSlot,
  request: BeatRequest,
  term: LeaderLease | undefined,
  namespace: string,
): Promise<JsonValue> {
  const state = slot.state;
  if (state === undefined) throw new ConnectionLostError('the token was lost while answering');
  switch (request.op) {
    case 'leader':
      return term === undefined ? null : { holder: term.holder, epoch: term.epoch };
    case 'claim':
      return (await claim(slot, state, term, request.lease, request.claim)) as unknown as JsonValue;
    case 'runs':
      return beatState.listRuns(state) as unknown as JsonValue;
    case 'entries':
      return beatState.listEntries(state) as unknown as JsonValue;
    case 'put': {
      const { stored, next } = beatState.putEntry(state, request.name, request.definition);
      await write(slot, next, namespace);
      return stored as unknown as JsonValue;
    }
    case 'remove': {
      const next = beatState.removeEntry(state, request.name);
      if (next === undefined) return false;
      await write(slot, next, namespace);
      return true;
    }
  }
}

async function claim(
  slot: TokenSlot,
  state: BeatState,
  term: LeaderLease | undefined,
  lease: LeaderLease,
  run: RunClaim,
): Promise<ClaimResult> {
  const { result, next } = beatState.checkClaim(state, term, lease, run);
  if (next === undefined) return result;
  try {
    await slot.commit(next);
    return result;
  } catch {
    // No confirm: the token is no longer ours; nothing may be sent.
    return { outcome: ClaimOutcome.fenced };
  }
}

async function write(slot: TokenSlot, next: BeatState, namespace: string): Promise<void> {
  try {
    await slot.commit(next);
  } catch (error) {
    throw new TransportError(
      `beat coordination ${JSON.stringify(namespace)}: lost the token while writing: ${oneLine(error)}`,
      { cause: error, retryable: true },
    );
  }
}
