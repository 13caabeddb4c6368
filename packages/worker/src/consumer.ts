/**
 * The consumer: one subscription on the task queues with prefetch = concurrency ×
 * multiplier (+1 per held ETA or rate-limited message). Pausing cancels the subscription
 * (deliveries already received stay valid); resuming subscribes again.
 */
import type { Delivery, Subscription, Transport } from '@celeriac/protocol';
import { Router } from '@celeriac/client';
import type { QueueDeclaration } from '@celeriac/client';

/**
 * Declare each queue: as its declaration says, else as Celery's default `task_queues`
 * entry (a durable queue, a durable direct exchange of the same name, the binding).
 */
export async function declareTaskQueues(
  transport: Transport,
  queues: readonly string[],
  declarations?: readonly QueueDeclaration[],
): Promise<void> {
  // The client's router knows Celery's rules: a declared queue as given (priorities,
  // TTLs, exchange and key), any other as `Queue(name, Exchange(name, 'direct'), name)`.
  // Declaring differently from a Python peer makes RabbitMQ refuse (406), so the worker
  // declares what the app's `queues` say.
  const router = new Router(undefined, declarations, queues[0] ?? 'celery');
  for (const name of queues) {
    const { queue, exchange, routingKey } = router.queue(name);
    await transport.declareExchange(exchange);
    await transport.declareQueue(queue);
    await transport.bindQueue({ queue: queue.name, exchange: exchange.name, routingKey });
  }
}

/** Consumer states. */
export const ConsumerState = {
  idle: 'idle',
  consuming: 'consuming',
  paused: 'paused',
  stopped: 'stopped',
} as const;
/** One of the values of {@link ConsumerState}. */
export type ConsumerState = (typeof ConsumerState)[keyof typeof ConsumerState];

/** Options of {@link TaskConsumer}. */
export interface TaskConsumerOptions {
  transport: Transport;
  queues: readonly string[];
  /** How to declare the queues (Celery's `task_queues`); others get Celery's defaults. */
  queueDeclarations?: readonly QueueDeclaration[] | undefined;
  /** Base prefetch: concurrency × multiplier; 0 = unlimited. */
  prefetch: number;
  consumerTag: string;
  onDelivery: (delivery: Delivery) => void;
}

/** Consumes the task queues. */
export class TaskConsumer {
  readonly #o: TaskConsumerOptions;
  #subscription: Subscription | undefined;
  #state: ConsumerState = ConsumerState.idle;
  #held = 0;
  #declared = false;
  /** Serializes subscribe/cancel so pause/resume races settle in call order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TaskConsumerOptions) {
    this.#o = options;
  }

  /** Current state. */
  get state(): ConsumerState {
    return this.#state;
  }

  /** The prefetch in force now (base plus held messages; 0 when unlimited). */
  get prefetch(): number {
    return this.#o.prefetch === 0 ? 0 : this.#o.prefetch + this.#held;
  }

  /** Raise (+1) or lower (-1) the prefetch for messages held in memory. */
  adjustHeld(delta: number): void {
    this.#held = Math.max(0, this.#held + delta);
    this.#subscription?.setPrefetch(this.prefetch);
  }

  /** Subscribe (from idle or paused). */
  start(): Promise<void> {
    return this.#serial(() => this.#subscribe());
  }

  async #subscribe(): Promise<void> {
    if (this.#state === ConsumerState.consuming) return;
    if (!this.#declared) {
      await declareTaskQueues(this.#o.transport, this.#o.queues, this.#o.queueDeclarations);
      this.#declared = true;
    }
    this.#subscription = await this.#o.transport.consume(this.#o.queues, this.#o.onDelivery, {
      prefetch: this.prefetch,
      consumerTag: this.#o.consumerTag,
    });
    this.#state = ConsumerState.consuming;
  }

  /** Stop receiving for a while (connection degraded). */
  pause(): Promise<void> {
    return this.#serial(async () => {
      if (this.#state !== ConsumerState.consuming) return;
      this.#state = ConsumerState.paused;
      await this.#cancel();
    });
  }

  /** Receive again after {@link pause}. */
  resume(): Promise<void> {
    // Decided inside the queue: a resume() right after a pause() must see the pause done.
    return this.#serial(async () => {
      if (this.#state !== ConsumerState.paused) return;
      this.#state = ConsumerState.idle;
      await this.#subscribe();
    });
  }

  /** Stop receiving (shutdown or restart); `start()` may subscribe again. */
  stop(): Promise<void> {
    return this.#serial(async () => {
      this.#state = ConsumerState.stopped;
      await this.#cancel();
    });
  }

  async #cancel(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.cancel();
  }

  #serial(step: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(step, step);
    this.#queue = next.catch(() => {});
    return next;
  }
}
