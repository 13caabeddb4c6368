/**
 * What a stop did: `actor.stop()` resolves with a {@link StopReport}, so a caller that
 * bounded the stop learns whether the bound cut something short, and what.
 */
import type { StepAbandonedError } from './errors.js';

/** A task step that outlived the shutdown timeout and was abandoned. */
export interface AbandonedStep {
  /** The declared name of the task. */
  readonly task: string;
  /** The attempt that was running. */
  readonly attempt: number;
  /** The bound that expired, in milliseconds. */
  readonly timeoutMs: number;
  /** One line saying what was abandoned and why (the error's message). */
  readonly reason: string;
  /** The error reported for it (also on the inspection stream and to `onError`). */
  readonly error: StepAbandonedError;
}

/** What `stop()` did, as it resolves with it. */
export interface StopReport {
  /** Path of the actor that stopped. */
  readonly path: string;
  /** The step abandoned because it did not end within the shutdown timeout, if any. */
  readonly abandoned?: AbandonedStep;
  /** The resource whose pending acquire the stop interrupted (the actor was starting). */
  readonly interruptedAcquire?: string;
  /** A supervisor's children, as it stopped them (reverse start order). */
  readonly children: readonly StopReport[];
  /** True when nothing, here or in a child, was abandoned. */
  readonly clean: boolean;
}

/** Collects what one stop (or restart, or crash release) did, while it runs. */
export class StopNotes {
  abandoned: AbandonedStep | undefined;
  interruptedAcquire: string | undefined;
  children: StopReport[] = [];

  /** The report of the stop that just completed. */
  report(path: string): StopReport {
    const clean = this.abandoned === undefined && this.children.every((c) => c.clean);
    return {
      path,
      ...(this.abandoned === undefined ? {} : { abandoned: this.abandoned }),
      ...(this.interruptedAcquire === undefined
        ? {}
        : { interruptedAcquire: this.interruptedAcquire }),
      children: this.children,
      clean,
    };
  }
}
