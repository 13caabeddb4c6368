/**
 * Settling a delivery exactly once. Early acks, late acks, rejections and shutdown all
 * race for the same message; the first decision wins and later ones are no-ops.
 */
import type { Delivery } from '@celeriac/protocol';

/** How a delivery was settled. */
export const Settlement = {
  pending: 'pending',
  acked: 'acked',
  rejected: 'rejected',
  requeued: 'requeued',
} as const;
/** One of the values of {@link Settlement}. */
export type Settlement = (typeof Settlement)[keyof typeof Settlement];

/** One delivery's ack state. */
export class Acknowledgement {
  readonly #delivery: Delivery;
  #state: Settlement = Settlement.pending;
  #promise: Promise<void> | undefined;
  readonly #onSettled: (() => void) | undefined;

  constructor(delivery: Delivery, onSettled?: () => void) {
    this.#delivery = delivery;
    this.#onSettled = onSettled;
  }

  /** Current settlement. */
  get state(): Settlement {
    return this.#state;
  }

  /** True once acked, rejected or requeued. */
  get settled(): boolean {
    return this.#state !== Settlement.pending;
  }

  /** The broker's confirmation of the settlement, once one was decided. */
  get confirmed(): Promise<void> | undefined {
    return this.#promise;
  }

  /** Ack the delivery (no-op when already settled). */
  ack(): Promise<void> {
    return this.#settle(Settlement.acked, () => this.#delivery.ack());
  }

  /** Reject the delivery, back to its queue when `requeue` (no-op when already settled). */
  reject(requeue: boolean): Promise<void> {
    return this.#settle(requeue ? Settlement.requeued : Settlement.rejected, () =>
      this.#delivery.reject({ requeue }),
    );
  }

  #settle(state: Settlement, action: () => Promise<void>): Promise<void> {
    if (this.#promise) return this.#promise;
    this.#state = state;
    this.#onSettled?.();
    this.#promise = action();
    return this.#promise;
  }
}
