/**
 * Taking a subscription's messages from its lists: the take script (atomic pop + record
 * in `unacked`), up to two calls in flight, and blocking waits only while the lists are
 * empty.
 *
 * Two takes in flight: while one take's messages are being handled here, Redis already
 * runs the next one, so neither side waits for the other. Each take claims its limit of
 * the free prefetch before it is sent, so the messages held plus those claimed never
 * exceed the prefetch. A second take goes out only for a worthwhile batch (half a full
 * one); with nothing in flight, any free room is taken at once (latency).
 *
 * The wait: Lua cannot block, and a blocking pop (BRPOP) would hold the message only in
 * this process's memory until it is recorded in `unacked` — a crash there loses it. So
 * each watched list gets `BLMOVE list list RIGHT RIGHT` on a blocking connection: it
 * returns as soon as the list is non-empty and puts the element back where it was,
 * consuming nothing. Waits run only while the last take found the lists empty.
 */
import type { Redis } from 'ioredis';
import type { KombuKeys } from './kombu-keys.js';
import type { ScriptedRedis } from './lua-scripts.js';
import type { ResolvedTransportOptions } from './transport-options.js';

/** What a {@link ListTaker} needs from its subscription. */
export interface TakerHost {
  readonly keys: KombuKeys;
  readonly options: ResolvedTransportOptions;
  command(): ScriptedRedis;
  /** A new blocking connection, closed by the taker. */
  blockingClient(role: string): Redis;
  reportError(error: unknown): void;
  /** The prefetch now (0: unlimited). */
  prefetch(): number;
  /** Free prefetch now: prefetch minus unsettled deliveries (Infinity when unlimited). */
  capacity(): number;
  /** Hand out a take's messages; `order` is the queue order of that take. */
  accept(reply: unknown[], order: readonly string[]): void;
}

/** Most take calls in flight at once. */
const MAX_IN_FLIGHT = 2;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Takes messages for one subscription from its queues' lists. */
export class ListTaker {
  readonly #host: TakerHost;
  readonly #queues: readonly string[];
  /** Script KEYS for each rotation of the queue order (round-robin, as kombu's cycle). */
  readonly #keysByRotation: (readonly string[])[];
  readonly #ordersByRotation: (readonly string[])[];
  #rotation = 0;
  #active = true;
  #inFlight = 0;
  /** Prefetch claimed by takes in flight (their limits). */
  #claimed = 0;
  /** The last take came back short: nothing to take until a wait sees a message. */
  #empty = false;
  #fillQueued = false;
  /** A take's messages were handed out in this event-loop turn. */
  #turnTaken = false;
  readonly #endTurn = (): void => {
    this.#turnTaken = false;
  };
  /** Settles when no take is in flight (see {@link pump}). */
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Wakes the waits to look at the state again. */
  #wake: (() => void) | undefined;
  readonly #waits: { client: Redis; done: Promise<void> }[] = [];
  /**
   * Ends the blocking waits in progress, one per wait: a single promise raced by every
   * wait would keep a reaction per wait (a steady leak on an idle consumer).
   */
  readonly #cancelWaits = new Set<() => void>();

  constructor(host: TakerHost, queues: readonly string[]) {
    this.#host = host;
    this.#queues = queues;
    const { keys } = host;
    if (keys.cluster) {
      // On a Cluster each queue's keys share one slot, and different queues' do not: each
      // take takes from one queue (rotating), with that queue's own unacked keys.
      this.#ordersByRotation = queues.map((queue) => [queue]);
      this.#keysByRotation = queues.map((queue) => [
        keys.unackedOf(queue),
        keys.unackedIndexOf(queue),
        ...keys.queueKeys(queue),
      ]);
    } else {
      this.#ordersByRotation = queues.map((_, start) => [
        ...queues.slice(start),
        ...queues.slice(0, start),
      ]);
      // KEYS: unacked, unacked_index, then step 0 of every queue, step 3 of every queue, …
      this.#keysByRotation = this.#ordersByRotation.map((order) => [
        keys.unacked,
        keys.unackedIndex,
        ...keys.steps.flatMap((step) =>
          order.map((queue) => keys.prefix + (step ? `${queue}${keys.sep}${step}` : queue)),
        ),
      ]);
    }
  }

  /** Start the waits and take what is already there. */
  start(): void {
    for (const queue of this.#queues) {
      for (const key of this.#host.keys.queueKeys(queue)) {
        const client = this.#host.blockingClient('wait');
        this.#waits.push({ client, done: this.#waitLoop(client, key) });
      }
    }
    void this.pump();
  }

  /**
   * There may be messages (a wait saw one, a reconnect): take what the prefetch allows.
   * Resolves once no take is in flight.
   */
  pump(): Promise<void> {
    if (!this.#active || this.#queues.length === 0) return Promise.resolve();
    this.#empty = false;
    this.#fill();
    return this.#idle?.promise ?? Promise.resolve();
  }

  /** Prefetch was freed: take more once the current burst of releases is counted. */
  capacityFreed(): void {
    if (this.#fillQueued || !this.#active) return;
    this.#fillQueued = true;
    queueMicrotask(this.#fillSoon);
  }

  /** Take what the free prefetch allows now (acks were just sent: same write). */
  fillNow(): void {
    this.#fill();
  }

  readonly #fillSoon = (): void => {
    this.#fillQueued = false;
    this.#fill();
    this.#signal();
  };

  #fill(): void {
    const takeBatch = this.#host.options.takeBatch;
    while (this.#active && !this.#empty && this.#inFlight < MAX_IN_FLIGHT) {
      const free = this.#host.capacity() - this.#claimed;
      if (free <= 0) break;
      if (this.#inFlight > 0) {
        // A second take only for a worthwhile batch: half a full one.
        const prefetch = this.#host.prefetch();
        const full = prefetch === 0 ? takeBatch : Math.min(takeBatch, prefetch);
        if (free < Math.ceil(full / 2)) break;
      }
      void this.#take(Math.min(takeBatch, free));
    }
  }

  async #take(limit: number): Promise<void> {
    this.#inFlight++;
    this.#claimed += limit;
    this.#idle ??= withResolvers();
    const rotation = this.#rotation++ % this.#queues.length;
    let reply: unknown[] | undefined;
    try {
      reply = await this.#host
        .command()
        .celeriacTakeBuffer(
          this.#keysByRotation[rotation]!,
          (Date.now() / 1000).toFixed(6),
          limit,
          this.#ordersByRotation[rotation]!.length,
        );
    } catch (error) {
      if (this.#active) {
        this.#host.reportError(error);
        await sleep(200);
      }
    }
    if (reply !== undefined) {
      // One take's messages per event-loop turn: the acks of this turn's messages go out
      // (and free prefetch for the next take) before the next batch is handed out.
      while (this.#turnTaken) await nextTurn();
      this.#turnTaken = true;
      setImmediate(this.#endTurn);
    }
    // Claimed until handed out: the messages count against the prefetch throughout.
    this.#inFlight--;
    this.#claimed -= limit;
    if (reply !== undefined) {
      // Replies come in the order the takes were sent: the last one tells the lists' state.
      // A trailing `more`: the take stopped at its byte budget, the lists are not empty.
      this.#empty = reply.length % 3 === 0 && reply.length / 3 < limit;
      try {
        this.#host.accept(reply, this.#ordersByRotation[rotation]!);
      } catch (error) {
        // Whatever threw (a callback of the host's), the taker's bookkeeping goes on.
        this.#host.reportError(error);
      }
    }
    this.#fill();
    if (this.#inFlight === 0) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle?.resolve();
    }
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #waitLoop(client: Redis, key: string): Promise<void> {
    const timeout = this.#host.options.pollTimeout;
    while (this.#active) {
      // Wait only when the lists looked empty and a found message could be taken.
      if (!this.#empty || this.#inFlight > 0 || this.#host.capacity() <= 0) {
        await new Promise<void>((resolve) => {
          const previous = this.#wake;
          this.#wake = () => {
            previous?.();
            resolve();
          };
        });
        continue;
      }
      try {
        // Returns the tail element and leaves it in place: a wake-up that consumes nothing.
        const waiting = client.blmove(key, key, 'RIGHT', 'RIGHT', timeout);
        // A wait queued on a connection that is down never settles once the client is
        // disconnected during its reconnect backoff (ioredis keeps it queued): stopping
        // does not wait for it.
        waiting.catch(() => undefined);
        const cancel = withResolvers();
        this.#cancelWaits.add(cancel.resolve);
        let found: unknown;
        try {
          found = await Promise.race([waiting, cancel.promise]);
        } finally {
          this.#cancelWaits.delete(cancel.resolve);
        }
        if (typeof found === 'string' && this.#active) void this.pump();
      } catch (error) {
        if (!this.#active) return;
        this.#host.reportError(error);
        await sleep(100);
      }
    }
  }

  /** Stop taking: end the waits and let takes in flight finish (their messages are handed out). */
  async stop(): Promise<void> {
    this.#active = false;
    for (const cancel of this.#cancelWaits) cancel();
    this.#signal();
    for (const { client } of this.#waits) client.disconnect();
    await Promise.allSettled(this.#waits.map((w) => w.done));
    await this.#idle?.promise;
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
