/**
 * `BeatCoordination` on RabbitMQ: leadership is a token message in a single-active-consumer
 * queue, the state (epoch, runs, entries) travels in that token, and only the replica
 * holding it reads or writes it; the others ask it over direct reply-to. `docs/beat.md`
 * ("RabbitMQ") has the design and its failover bound.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { ClosedError, ConnectionLostError } from '@celeriac/protocol';
import type {
  BeatCoordination,
  ClaimResult,
  EntryRun,
  JsonValue,
  LeaderInfo,
  LeaderLease,
  RunClaim,
  StoredEntries,
  StoredEntry,
  StoredEntryDefinition,
} from '@celeriac/protocol';
import { redactUrl } from './amqp-url.js';
import { brokerHosts, parseBrokerUrl } from './broker-url.js';
import { connectOnce } from './connect-attempt.js';
import { isNotFound, oneLine } from './connection-errors.js';
import { tlsSocketOptions } from './tls-params.js';
import * as beatState from './beat-state.js';
import { applyRequest } from './beat-apply.js';
import { BeatRequester, decodeRequest, sendReply } from './beat-requests.js';
import type { BeatRequest } from './beat-requests.js';
import { TokenSlot } from './beat-token-slot.js';
import type { BeatQueues } from './beat-token-slot.js';
import { beatCoordinationQueues, declareBeatQueues } from './beat-queues.js';
import type { AmqpBeatCoordinationOptions } from './beat-queues.js';
import { LeaderTerm } from './beat-term.js';

/** Rotate a token held this long on renewal, well inside RabbitMQ's 30-minute consumer_timeout. */
const ROTATE_AFTER_MS = 5 * 60_000;

/** Close a connection whose loss is already handled (or that was never used). */
async function closeQuietly(model: ChannelModel): Promise<void> {
  try {
    await model.close();
  } catch {
    // Already closed by the broker or by a dropped socket: nothing left to release.
  }
}

/** One replica's connection to the beat coordination of a namespace on RabbitMQ. */
export class AmqpBeatCoordination implements BeatCoordination {
  readonly kind = 'amqp';
  readonly namespace: string;
  /** The queues of the namespace. */
  readonly queues: BeatQueues;
  readonly #url: string;
  readonly #options: AmqpBeatCoordinationOptions;
  #model: ChannelModel | undefined;
  #connecting: Promise<void> | undefined;
  #requester: BeatRequester | undefined;
  #replies: Channel | undefined;
  #slot: TokenSlot | undefined;
  #opening: Promise<TokenSlot> | undefined;
  /** The holder this replica is in line for (set by acquireLeadership). */
  #candidate: { holder: string; ttlMs: number } | undefined;
  #term: LeaderTerm | undefined;
  #pending = 0;
  #closed = false;

  constructor(url: string, options: AmqpBeatCoordinationOptions = {}) {
    this.#url = url;
    this.#options = options;
    this.namespace = options.namespace ?? 'celeriac';
    this.queues = beatCoordinationQueues(this.namespace);
    parseBrokerUrl(url);
  }

  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('amqp beat coordination'));
    if (this.#model !== undefined) return Promise.resolve();
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<void> {
    const url = parseBrokerUrl(this.#url);
    const { model } = await connectOnce(
      brokerHosts(url, this.#options.heartbeatSeconds ?? 5),
      redactUrl(this.#url),
      {
        timeoutMs: this.#options.connectTimeoutMs ?? 10_000,
        socketOptions: (host) => tlsSocketOptions(host.tls, this.#options.tls),
        signal: new AbortController().signal,
      },
    );
    model.on('error', () => undefined);
    model.on('close', () => this.#onConnectionLost(model));
    try {
      const setup = await model.createChannel();
      await declareBeatQueues(setup, this.queues, this.#options.queueType);
      await setup.close();
      this.#requester = await BeatRequester.open(
        await model.createChannel(),
        this.queues.commands,
        this.#options.requestTimeoutMs ?? 5_000,
      );
    } catch (error) {
      await closeQuietly(model);
      throw new ConnectionLostError(
        `beat coordination on ${redactUrl(this.#url)}: declaring ${this.queues.leader} failed: ${oneLine(error)}`,
        { cause: error },
      );
    }
    this.#model = model;
    await this.#replyChannel();
  }

  #onConnectionLost(model: ChannelModel): void {
    if (this.#model !== model) return;
    this.#model = undefined;
    this.#requester?.fail('the connection to RabbitMQ was lost');
    this.#requester = undefined;
    this.#replies = undefined;
    this.#slot = undefined;
    this.#term?.end();
    this.#term = undefined;
  }

  /** Join the line for the token (idempotent); the slot starts a term when it gets it. */
  async #ensureSlot(): Promise<TokenSlot> {
    const slot = this.#slot;
    if (slot !== undefined && slot.closedReason === undefined) return slot;
    this.#opening ??= (async () => {
      const model = this.#model;
      if (model === undefined) throw new ConnectionLostError('beat coordination: not connected');
      const opened = await TokenSlot.open(await model.createConfirmChannel(), this.queues, {
        onToken: (s) => this.#onToken(s),
        onRequest: (s, m) => this.#onRequest(s, m),
        onClosed: (s) => this.#onSlotClosed(s),
      });
      this.#slot = opened;
      return opened;
    })().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #onToken(slot: TokenSlot): Promise<void> {
    if (this.#candidate !== undefined && this.#slot === slot) await this.#startTerm(slot);
    else if (this.#pending === 0 && this.#candidate === undefined) await slot.close();
  }

  async #startTerm(slot: TokenSlot): Promise<void> {
    const candidate = this.#candidate;
    const state = slot.state;
    if (candidate === undefined || state === undefined || this.#term !== undefined) return;
    const next = beatState.startTerm(state, candidate.holder);
    await slot.commit(next);
    this.#term = new LeaderTerm(
      { holder: candidate.holder, epoch: next.epoch },
      candidate.ttlMs,
      () => this.#lapse(slot),
    );
  }

  /** A term not renewed within its ttl: give the token back; stop standing in line. */
  #lapse(slot: TokenSlot): void {
    this.#term = undefined;
    this.#candidate = undefined;
    void this.#release(slot);
  }

  async #release(slot: TokenSlot): Promise<void> {
    await slot.close();
    if (this.#slot === slot) this.#slot = undefined;
  }

  #onSlotClosed(slot: TokenSlot): void {
    if (this.#slot !== slot) return;
    this.#slot = undefined;
    this.#term?.end();
    this.#term = undefined;
    this.#candidate = undefined;
  }

  /** The live term of this replica, if any. */
  #liveTerm(): LeaderLease | undefined {
    const term = this.#term;
    if (term === undefined || !term.live || this.#slot?.state === undefined) return undefined;
    return term.lease;
  }

  async #onRequest(slot: TokenSlot, message: ConsumeMessage): Promise<void> {
    const request = decodeRequest(message);
    let reply: { ok: true; value: JsonValue } | { ok: false; error: string };
    try {
      const value = request === undefined ? null : await this.#apply(slot, request);
      reply = { ok: true, value };
    } catch (error) {
      reply = { ok: false, error: oneLine(error) };
    }
    try {
      const replies = await this.#replyChannel();
      sendReply(replies, message, reply);
      if (slot.closedReason === undefined) slot.channel.ack(message);
    } catch {
      // The connection or the token's channel went away while answering: the request goes
      // back to the commands queue with the token, and the next holder answers it.
    }
  }

  /** The channel replies go out on, opened again if a publish to a gone requester closed it. */
  async #replyChannel(): Promise<Channel> {
    const current = this.#replies;
    if (current !== undefined) return current;
    const model = this.#model;
    if (model === undefined) throw new ConnectionLostError('beat coordination: not connected');
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.#replies === channel) this.#replies = undefined;
    });
    this.#replies = channel;
    return channel;
  }

  #apply(slot: TokenSlot, request: BeatRequest): Promise<JsonValue> {
    return applyRequest(slot, request, this.#liveTerm(), this.namespace);
  }

  /**
   * Run `request` where the state is: here when this replica holds the token, else at the
   * holder. Standing in line meanwhile makes sure someone holds it: when nobody does, this
   * replica gets it and answers its own request.
   */
  async #call(request: BeatRequest): Promise<JsonValue> {
    await this.connect();
    const slot = this.#slot;
    if (slot?.state !== undefined) return slot.serialize(() => this.#apply(slot, request));
    this.#pending += 1;
    try {
      await this.#ensureSlot();
      const requester = this.#requester;
      if (requester === undefined)
        throw new ConnectionLostError('beat coordination: not connected');
      return await requester.ask(request);
    } finally {
      this.#pending -= 1;
      const current = this.#slot;
      if (this.#pending === 0 && this.#candidate === undefined && current !== undefined) {
        void this.#release(current);
      }
    }
  }

  async acquireLeadership(holder: string, ttlMs: number): Promise<LeaderLease | undefined> {
    await this.connect();
    const term = this.#liveTerm();
    if (term !== undefined) {
      if (term.holder !== holder) return undefined;
      this.#term?.renew(ttlMs);
      return term;
    }
    this.#candidate = { holder, ttlMs };
    const slot = await this.#ensureSlot();
    if (slot.state !== undefined) {
      await slot.serialize(() => this.#startTerm(slot));
    } else {
      // Whoever holds the token answers; when that is this replica, its term started first.
      await this.#call({ op: 'leader' });
    }
    const lease = this.#liveTerm();
    return lease?.holder === holder ? lease : undefined;
  }

  async renewLeadership(lease: LeaderLease, ttlMs: number): Promise<boolean> {
    const term = this.#liveTerm();
    const slot = this.#slot;
    if (term?.holder !== lease.holder || term.epoch !== lease.epoch || slot === undefined) {
      return false;
    }
    this.#term?.renew(ttlMs);
    if (slot.heldForMs > ROTATE_AFTER_MS) {
      try {
        await slot.serialize(async () => {
          const state = slot.state;
          if (state !== undefined) await slot.commit(beatState.bump(state));
        });
      } catch {
        // The channel closed under the rotation: the term is over, answered below.
      }
    }
    return this.#liveTerm() !== undefined;
  }

  async releaseLeadership(lease: LeaderLease): Promise<void> {
    const term = this.#liveTerm();
    const slot = this.#slot;
    if (term?.holder !== lease.holder || term.epoch !== lease.epoch || slot === undefined) return;
    this.#term?.end();
    this.#term = undefined;
    this.#candidate = undefined;
    await this.#release(slot);
  }

  async leader(): Promise<LeaderInfo | undefined> {
    const value = await this.#call({ op: 'leader' });
    return value === null ? undefined : (value as unknown as LeaderInfo);
  }

  async claimRun(lease: LeaderLease, claim: RunClaim): Promise<ClaimResult> {
    return (await this.#call({ op: 'claim', lease, claim })) as unknown as ClaimResult;
  }

  async runs(): Promise<readonly EntryRun[]> {
    return (await this.#call({ op: 'runs' })) as unknown as EntryRun[];
  }

  async putEntry(name: string, definition: StoredEntryDefinition): Promise<StoredEntry> {
    return (await this.#call({ op: 'put', name, definition })) as unknown as StoredEntry;
  }

  async removeEntry(name: string): Promise<boolean> {
    return (await this.#call({ op: 'remove', name })) === true;
  }

  async entries(): Promise<StoredEntries> {
    return (await this.#call({ op: 'entries' })) as unknown as StoredEntries;
  }

  /** Whether `queue` exists: a passive declare on a channel of its own (a 404 closes it). */
  async queueExists(queue: string): Promise<boolean> {
    await this.connect();
    const model = this.#model;
    if (model === undefined) throw new ConnectionLostError('beat coordination: not connected');
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    try {
      await channel.checkQueue(queue);
      await channel.close();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new ConnectionLostError(
        `beat coordination: checking queue ${queue}: ${oneLine(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#connecting;
    } catch {
      // A connection attempt that failed left nothing to close.
    }
    const model = this.#model;
    this.#requester?.fail('closed');
    if (model !== undefined) {
      this.#onConnectionLost(model);
      await closeQuietly(model);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * The beat coordination of `url` (any RabbitMQ broker URL, `;` lists included) for one
 * namespace (default `celeriac`): what `celeriac beat` uses on `amqp://` brokers.
 *
 * @example
 * ```ts
 * await using coordination = createAmqpBeatCoordination('amqp://guest:guest@localhost//');
 * const lease = await coordination.acquireLeadership(`beat@${hostname()}:${process.pid}`, 10_000);
 * ```
 */
export function createAmqpBeatCoordination(
  url: string,
  options: AmqpBeatCoordinationOptions = {},
): AmqpBeatCoordination {
  return new AmqpBeatCoordination(url, options);
}
