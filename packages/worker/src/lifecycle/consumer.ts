/**
 * The consumer: one subscription on the task queues with prefetch = concurrency ×
 * multiplier (+1 per held ETA or rate-limited message). Pausing cancels the subscription
 * (deliveries already received stay valid); resuming subscribes again. Queues can be
 * added and cancelled while it runs (`add_consumer`, `cancel_consumer`).
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
}

/** Where deliveries go. */
export interface DeliveryTarget {
  onDelivery(delivery: Delivery): void;
}

/** Consumes the task queues. */
export class TaskConsumer {
  readonly #o: TaskConsumerOptions;
  #queues: string[];
  readonly #declarations: QueueDeclaration[];
  #base: number;
  #target: DeliveryTarget | undefined;
  #subscription: Subscription | undefined;
  #state: ConsumerState = ConsumerState.idle;
  #held = 0;
  readonly #declared = new Set<string>();
  /** Serializes subscribe/cancel so pause/resume races settle in call order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TaskConsumerOptions) {
    this.#o = options;
    this.#queues = [...options.queues];
    this.#declarations = [...(options.queueDeclarations ?? [])];
    this.#base = options.prefetch;
  }

  /** Current state. */
  get state(): ConsumerState {
    return this.#state;
  }

  /** The queues consumed (or to be consumed once started). */
  get queues(): readonly string[] {
    return this.#queues;
  }

  /** The prefetch in force now (base plus held messages; 0 when unlimited). */
  get prefetch(): number {
    return this.#base === 0 ? 0 : this.#base + this.#held;
  }

  /** Raise (+1) or lower (-1) the prefetch for a message held in memory. */
  hold(delta: 1 | -1): void {
    this.#held = Math.max(0, this.#held + delta);
    this.#subscription?.setPrefetch(this.prefetch);
  }

  /** Change the base prefetch (the pool grew or shrank: concurrency × multiplier). */
  setBasePrefetch(prefetch: number): void {
    if (this.#base === prefetch) return;
    this.#base = prefetch;
    this.#subscription?.setPrefetch(this.prefetch);
  }

  /** Subscribe (from idle or paused), handing deliveries to `target`. */
  start(target: DeliveryTarget): Promise<void> {
    this.#target = target;
    return this.#serial(() => this.#subscribe());
  }

  /**
   * Consume `queue` too (`add_consumer`), declared as `declaration` says (else as the
   * app's declarations or Celery's defaults); false when it is consumed already.
   */
  async addQueue(queue: string, declaration?: QueueDeclaration): Promise<boolean> {
    if (this.#queues.includes(queue)) return false;
    if (declaration) this.#declarations.push(declaration);
    this.#queues.push(queue);
    await this.#resubscribe();
    return true;
  }

  /** Stop consuming `queue` (`cancel_consumer`); false when it was not consumed. */
  async cancelQueue(queue: string): Promise<boolean> {
    const at = this.#queues.indexOf(queue);
    if (at < 0) return false;
    this.#queues.splice(at, 1);
    await this.#resubscribe();
    return true;
  }

  /** A new subscription on the current queues, when consuming. */
  #resubscribe(): Promise<void> {
    return this.#serial(async () => {
      if (this.#state !== ConsumerState.consuming) return;
      await this.#cancel();
      this.#state = ConsumerState.idle;
      await this.#subscribe();
    });
  }

  async #subscribe(): Promise<void> {
    if (this.#state === ConsumerState.consuming) return;
    const undeclared = this.#queues.filter((q) => !this.#declared.has(q));
    if (undeclared.length > 0) {
      await declareTaskQueues(this.#o.transport, undeclared, this.#declarations);
      for (const q of undeclared) this.#declared.add(q);
    }
    if (this.#queues.length === 0) {
      // Nothing to consume (every queue cancelled): idle until one is added.
      this.#state = ConsumerState.consuming;
      return;
    }
    const target = this.#target!;
    this.#subscription = await this.#o.transport.consume(
      this.#queues,
      (delivery) => target.onDelivery(delivery),
      { prefetch: this.prefetch, consumerTag: this.#o.consumerTag },
    );
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
    // The queue only orders the steps; each step's error goes to its own caller.
    this.#queue = next.then(nothing, nothing);
    return next;
  }
}

function nothing(): void {
  return undefined;
}
