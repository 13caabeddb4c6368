/**
 * The bounded wait of a stop, restart or crash for the task step in flight (its signal
 * has fired): at most the shutdown timeout on the system clock, after which the step is
 * abandoned — it may go on running, but its outcome is ignored (the task runner's epoch
 * moved on when `started` was left) — and the stop carries on releasing resources.
 */
import type { Clock } from './clock.js';
import type { StepTrace } from './step-trace.js';

/** The step a drain gave up waiting for. */
export interface DrainCutShort {
  readonly task: string;
  readonly attempt: number;
  /** The bound that expired. */
  readonly timeoutMs: number;
}

/** The step in flight, as the task runner hands it over. */
export interface InflightStep {
  /** Settles (never rejects) when the step ends. */
  readonly promise: Promise<void>;
  readonly task: string;
  readonly attempt: number;
  readonly trace: StepTrace | undefined;
}

/** The drains of one task runner; at most one waits at a time. */
export class StepDrain {
  /** While a drain waits: moves its deadline earlier (a second, shorter stop). */
  #cut: ((timeoutMs: number) => void) | undefined;

  /** Resolves with the abandoned step, or `undefined` when it ended within the bound. */
  wait(step: InflightStep, clock: Clock, timeoutMs: number): Promise<DrainCutShort | undefined> {
    return new Promise((resolve) => {
      let timer: unknown;
      let deadline = Number.POSITIVE_INFINITY;
      const cut = (ms: number): void => {
        if (clock.now() + ms >= deadline) return;
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        deadline = clock.now() + ms;
        if (!Number.isFinite(ms)) return;
        timer = clock.setTimeout(() => {
          timer = undefined;
          if (this.#cut === cut) this.#cut = undefined;
          step.trace?.end('abandoned');
          resolve({ task: step.task, attempt: step.attempt, timeoutMs: ms });
        }, ms);
      };
      const ended = (): void => {
        if (timer !== undefined) clock.clearTimeout(timer);
        if (this.#cut === cut) this.#cut = undefined;
        resolve(undefined);
      };
      cut(Math.max(0, timeoutMs));
      this.#cut = cut;
      step.promise.then(ended, ended);
    });
  }

  /** The drain in progress waits at most `timeoutMs` more (never longer than it would). */
  shorten(timeoutMs: number): void {
    this.#cut?.(Math.max(0, timeoutMs));
  }
}
