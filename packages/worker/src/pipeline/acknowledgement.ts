/**
 * Settling a delivery exactly once. Only the intake, which owns each request, settles;
 * it may decide twice for one message (an early ack, then the settlement its outcome
 * calls for): the first decision wins and later ones are no-ops.
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
/** A settlement to apply: what the stages of a request return to the intake. */
export type SettleAs = Exclude<Settlement, typeof Settlement.pending>;

/** One delivery's ack state. */
export class Acknowledgement {
  readonly #delivery: Delivery;
  #state: Settlement = Settlement.pending;
  #promise: Promise<unknown> | undefined;

  constructor(delivery: Delivery) {
    this.#delivery = delivery;
  }

  /** Current settlement. */
  get state(): Settlement {
    return this.#state;
  }

  /** True once acked, rejected or requeued. */
  get settled(): boolean {
    return this.#state !== Settlement.pending;
  }

  /**
   * Settle as `how`; when already settled, the first settlement's promise. Resolves once
   * the transport is done with the first one: with `undefined`, or with the error it
   * failed with (never rejects, so an early ack nobody awaits yet cannot go unhandled; the
   * owner reads the error when it settles for good).
   */
  settle(how: SettleAs): Promise<unknown> {
    if (this.#promise) return this.#promise;
    this.#state = how;
    const delivery = this.#delivery;
    try {
      const action =
        how === Settlement.acked
          ? delivery.ack()
          : delivery.reject({ requeue: how === Settlement.requeued });
      this.#promise = action.then(succeeded, failedWith);
    } catch (error) {
      this.#promise = Promise.resolve(failedWith(error));
    }
    return this.#promise;
  }
}

function succeeded(): undefined {
  return undefined;
}

function failedWith(error: unknown): unknown {
  return error ?? new Error('settling failed');
}

const VERB: Record<Settlement, string> = {
  acked: 'ack',
  rejected: 'reject',
  requeued: 'requeue',
  pending: 'settle',
};

/** The log line of a settlement that failed: what, of which task, and what follows. */
export function settleFailure(
  transportKind: string,
  state: Settlement,
  name: string,
  id: string,
  error: unknown,
): string {
  return (
    `Could not ${VERB[state]} the message of ${name}[${id}]: ` +
    `${error instanceof Error ? error.message : String(error)}; ${whatFollows(transportKind)}`
  );
}

/** What the broker does with a message whose settlement failed. */
function whatFollows(kind: string): string {
  switch (kind) {
    case 'redis':
      return 'the Redis transport settles it again once reconnected (until then it stays reserved)';
    case 'amqp':
      return 'RabbitMQ delivers it again once the channel is gone, so it may run twice';
    default:
      return 'the broker may deliver it again';
  }
}
