/**
 * How an execution ended, as the executor returns it to the intake, and why a running
 * execution may be ended from outside (revoke with terminate, hard time limit, cold
 * shutdown).
 */
import type { Reject, Replace, Retry } from '../errors.js';

/** How an execution ended. */
export type ExecutionOutcome =
  | { readonly kind: 'success'; readonly value: unknown }
  | { readonly kind: 'failure'; readonly error: unknown }
  | { readonly kind: 'retry'; readonly retry: Retry }
  /** Not run (revoked or expired at its start), or terminated while running (`signal`). */
  | {
      readonly kind: 'revoked';
      readonly reason: 'revoked' | 'expired' | 'terminated';
      readonly signal?: string;
    }
  | { readonly kind: 'time-limit'; readonly seconds: number }
  | { readonly kind: 'rejected'; readonly reject: Reject }
  /** `ctx.replace(signature)`: the signature takes over (Celery's `Task.replace`). */
  | { readonly kind: 'replaced'; readonly replace: Replace }
  /**
   * The unit went away mid-task (it crashed, exited, was killed by someone else), or
   * the worker ended it to stop (`shutdown`).
   */
  | { readonly kind: 'lost'; readonly reason: string; readonly shutdown: boolean };

/** Why a running execution is ended from outside. */
export type EndReason =
  /** `revoke(terminate=True)`; `signal` is what a child process is sent (SIGTERM). */
  | { readonly kind: 'terminated'; readonly signal: string }
  | { readonly kind: 'time-limit'; readonly seconds: number }
  /** Cold shutdown, or a warm one past its timeout. */
  | { readonly kind: 'lost'; readonly reason: string; readonly shutdown: true };

/** The outcome an execution ended from outside gets. */
export function outcomeOfEnd(reason: EndReason): ExecutionOutcome {
  switch (reason.kind) {
    case 'terminated':
      return { kind: 'revoked', reason: 'terminated', signal: reason.signal };
    case 'time-limit':
      return { kind: 'time-limit', seconds: reason.seconds };
    case 'lost':
      return { kind: 'lost', reason: reason.reason, shutdown: true };
  }
}
