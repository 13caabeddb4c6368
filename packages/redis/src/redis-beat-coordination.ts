/**
 * `RedisBeatCoordination`: the `BeatCoordination` of `redis://` URLs, as `docs/beat.md`
 * designs it: a lease key with a fencing epoch, runs and run-time entries in hashes, every
 * change by one Lua script, every key of a namespace under one hash tag.
 */
import type { RedisOptions } from 'ioredis';
import type {
  BeatCoordination,
  ClaimResult,
  EntryRun,
  LeaderInfo,
  LeaderLease,
  RunClaim,
  StoredEntries,
  StoredEntry,
  StoredEntryDefinition,
} from '@celeriac/protocol';
import { ClaimOutcome, ClosedError, ConnectionLostError, TransportError } from '@celeriac/protocol';
import type { BeatScriptedRedis } from './beat-scripts.js';
import { withBeatScripts } from './beat-scripts.js';
import { KombuKeys } from './kombu-keys.js';
import { commandClient, connectOnce } from './redis-clients.js';
import { RedisMode, maskRedisUrl, parseRedisUrl } from './redis-url.js';
import type { RedisConnectionSettings } from './redis-url.js';
import { resolveTransportOptions } from './transport-options.js';

/** Options of {@link RedisBeatCoordination}. */
export interface RedisBeatCoordinationOptions {
  /** Which beat: replicas sharing a namespace elect one leader (`celeriac`). */
  namespace?: string;
  /** kombu's `global_keyprefix` of the transport, for `queueExists` ("" ). */
  globalKeyprefix?: string;
  /** Prefix of the CLIENT SETNAME of the connection (`celeriac`). */
  connectionName?: string;
  /** Extra ioredis options (timeouts, TLS details…). */
  redis?: RedisOptions;
  /**
   * After a claim, wait until this many replicas have it (`WAIT`), and refuse to send
   * (a retryable `ConnectionLostError`) when they do not within `timeoutMs`: a failover
   * can then not forget a run that was sent. Default on `sentinel://` URLs
   * `{ replicas: 1, timeoutMs: 1000 }`, elsewhere none. Not available on a Cluster.
   */
  waitReplicas?: { replicas: number; timeoutMs: number } | false;
}

/** The keys of one namespace, all in the slot of `{celeriac.beat.<ns>}`. */
function beatKeys(namespace: string) {
  const tag = `{celeriac.beat.${namespace}}`;
  return {
    leader: `${tag}:leader`,
    epoch: `${tag}:epoch`,
    runs: `${tag}:runs`,
    entries: `${tag}:entries`,
    revision: `${tag}:revision`,
  };
}

/** `lastRunAt|count|epoch` → an {@link EntryRun}. */
function parseRun(entry: string, raw: string): EntryRun {
  const [lastRunAt, totalRunCount, epoch] = raw.split('|').map(Number);
  return { entry, lastRunAt: lastRunAt ?? 0, totalRunCount: totalRunCount ?? 0, epoch: epoch ?? 0 };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One beat replica's connection to the coordination keys of a namespace on Redis.
 *
 * @example
 * ```ts
 * import { createRedisBeatCoordination } from '@celeriac/redis';
 *
 * await using coordination = createRedisBeatCoordination('redis://127.0.0.1:6379/0');
 * const lease = await coordination.acquireLeadership('beat@host:1', 10_000);
 * if (lease) await coordination.claimRun(lease, { entry: 'report', runAt: Date.now() });
 * ```
 */
export class RedisBeatCoordination implements BeatCoordination {
  readonly kind = 'redis';
  readonly namespace: string;
  readonly #url: string;
  readonly #settings: RedisConnectionSettings;
  readonly #options: RedisBeatCoordinationOptions;
  readonly #keys: ReturnType<typeof beatKeys>;
  #client: BeatScriptedRedis | undefined;
  #connecting: Promise<void> | undefined;
  #attempt: AbortController | undefined;
  #closed = false;

  constructor(url: string, options: RedisBeatCoordinationOptions = {}) {
    this.#settings = parseRedisUrl(url);
    this.#url = maskRedisUrl(url);
    this.#options = options;
    this.namespace = options.namespace ?? 'celeriac';
    this.#keys = beatKeys(this.namespace);
  }

  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('RedisBeatCoordination'));
    this.#connecting ??= (async () => {
      const name = `${this.#options.connectionName ?? 'celeriac'}:beat:${this.namespace}`;
      const client = withBeatScripts(
        commandClient(this.#settings, this.#options.redis ?? {}, name),
      );
      client.on('error', () => undefined);
      const attempt = new AbortController();
      this.#attempt = attempt;
      try {
        await connectOnce(client, this.#url, 'RedisBeatCoordination', attempt.signal);
        this.#client = client;
      } catch (error) {
        this.#connecting = undefined;
        throw error;
      } finally {
        this.#attempt = undefined;
      }
    })();
    return this.#connecting;
  }

  /** Run `step` on the connection; errors become `TransportError`s naming `what`. */
  async #call<T>(what: string, step: (redis: BeatScriptedRedis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new ClosedError(`RedisBeatCoordination (${what})`);
    await this.connect();
    try {
      return await step(this.#client!);
    } catch (cause) {
      if (this.#closed) throw new ClosedError(`RedisBeatCoordination (${what})`);
      const reason = cause instanceof Error ? cause.message : String(cause);
      if (cause instanceof Error && cause.name === 'ReplyError') {
        throw new TransportError(`Redis at ${this.#url} refused beat ${what}: ${reason}`, {
          cause,
          retryable: /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)/.test(reason),
        });
      }
      throw new ConnectionLostError(
        `Redis at ${this.#url} is unreachable for beat ${what}: ${reason}`,
        { cause },
      );
    }
  }

  async acquireLeadership(holder: string, ttlMs: number): Promise<LeaderLease | undefined> {
    const k = this.#keys;
    const epoch = await this.#call('acquireLeadership', (r) =>
      r.beatAcquire(k.leader, k.epoch, holder, Math.ceil(ttlMs)),
    );
    return epoch === null ? undefined : { holder, epoch: Number(epoch) };
  }

  async renewLeadership(lease: LeaderLease, ttlMs: number): Promise<boolean> {
    const term = `${lease.epoch}|${lease.holder}`;
    const renewed = await this.#call('renewLeadership', (r) =>
      r.beatRenew(this.#keys.leader, term, Math.ceil(ttlMs)),
    );
    return renewed === 1;
  }

  async releaseLeadership(lease: LeaderLease): Promise<void> {
    const term = `${lease.epoch}|${lease.holder}`;
    await this.#call('releaseLeadership', (r) => r.beatRelease(this.#keys.leader, term));
  }

  async leader(): Promise<LeaderInfo | undefined> {
    const key = this.#keys.leader;
    const [raw, ttl] = await this.#call('leader', async (r) => {
      const results = await r.multi().get(key).pttl(key).exec();
      return [results?.[0]?.[1], results?.[1]?.[1]] as [string | null, number];
    });
    if (typeof raw !== 'string') return undefined;
    const bar = raw.indexOf('|');
    const info = { holder: raw.slice(bar + 1), epoch: Number(raw.slice(0, bar)) };
    return ttl > 0 ? { ...info, expiresInMs: ttl } : info;
  }

  async claimRun(lease: LeaderLease, claim: RunClaim): Promise<ClaimResult> {
    const k = this.#keys;
    const [outcome, detail] = await this.#call('claimRun', (r) =>
      r.beatClaim(
        k.leader,
        k.runs,
        k.entries,
        `${lease.epoch}|${lease.holder}`,
        claim.entry,
        String(Math.floor(claim.runAt)),
        claim.revision === undefined ? '' : String(claim.revision),
        String(lease.epoch),
      ),
    );
    switch (outcome) {
      case ClaimOutcome.claimed:
        await this.#replicated(claim.entry);
        return { outcome, run: parseRun(claim.entry, detail) };
      case ClaimOutcome.alreadyRun:
        return { outcome, run: parseRun(claim.entry, detail) };
      case ClaimOutcome.entryChanged:
        return { outcome, revision: detail === '' ? undefined : Number(detail) };
      default:
        return { outcome: ClaimOutcome.fenced };
    }
  }

  /** The `WAIT` after a claim (see {@link RedisBeatCoordinationOptions.waitReplicas}). */
  async #replicated(entry: string): Promise<void> {
    const wait =
      this.#options.waitReplicas ??
      (this.#settings.mode === RedisMode.sentinel ? { replicas: 1, timeoutMs: 1000 } : false);
    if (!wait || this.#settings.mode === RedisMode.cluster) return;
    const acked = await this.#call('claimRun', (r) => r.wait(wait.replicas, wait.timeoutMs));
    if (acked < wait.replicas) {
      throw new ConnectionLostError(
        `Redis at ${this.#url}: the run of ${JSON.stringify(entry)} is recorded, but only ` +
          `${acked} of ${wait.replicas} replicas have it after ${wait.timeoutMs} ms; not sending ` +
          'it, so a failover cannot make it run twice',
      );
    }
  }

  async runs(): Promise<readonly EntryRun[]> {
    const all = await this.#call('runs', (r) => r.hgetall(this.#keys.runs));
    return Object.keys(all)
      .sort(byName)
      .map((entry) => parseRun(entry, all[entry]!));
  }

  async putEntry(name: string, definition: StoredEntryDefinition): Promise<StoredEntry> {
    const json = JSON.stringify(definition);
    const k = this.#keys;
    const revision = await this.#call('putEntry', (r) =>
      r.beatPut(k.entries, k.revision, name, json),
    );
    return { name, definition: JSON.parse(json) as StoredEntryDefinition, revision };
  }

  async removeEntry(name: string): Promise<boolean> {
    const k = this.#keys;
    const removed = await this.#call('removeEntry', (r) =>
      r.beatRemove(k.entries, k.runs, k.revision, name),
    );
    return removed === 1;
  }

  async entries(): Promise<StoredEntries> {
    const k = this.#keys;
    const [revision, ...flat] = await this.#call('entries', (r) =>
      r.beatEntries(k.entries, k.revision),
    );
    const entries: StoredEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i]!;
      const value = flat[i + 1]!;
      const bar = value.indexOf('|');
      let definition: StoredEntryDefinition;
      try {
        definition = JSON.parse(value.slice(bar + 1)) as StoredEntryDefinition;
      } catch (cause) {
        throw new TransportError(
          `Redis at ${this.#url}: beat entry ${JSON.stringify(name)} in ${k.entries} is not JSON`,
          { cause },
        );
      }
      entries.push({ name, definition, revision: Number(value.slice(0, bar)) });
    }
    entries.sort((a, b) => byName(a.name, b.name));
    return { revision: Number(revision ?? 0), entries };
  }

  /**
   * Whether a worker or client declared `queue`: its list (or a priority sub-list) holds
   * messages, or a kombu binding of the exchange Celery declares for it names it.
   */
  async queueExists(queue: string): Promise<boolean> {
    const keys = new KombuKeys({
      ...resolveTransportOptions({ globalKeyprefix: this.#options.globalKeyprefix ?? '' }),
      db: this.#settings.db,
      cluster: this.#settings.mode === 'cluster',
    });
    return this.#call('queueExists', async (r) => {
      // One key per EXISTS: on a Cluster the lists may sit in different slots.
      for (const list of keys.queueKeys(queue)) if ((await r.exists(list)) > 0) return true;
      for (const exchange of new Set([queue, 'celery'])) {
        const members = await r.smembers(keys.bindingKey(exchange));
        if (members.some((m) => keys.parseBindingMember(m)?.queue === queue)) return true;
      }
      return false;
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#attempt?.abort();
    const client = this.#client;
    this.#client = undefined;
    if (!client) return Promise.resolve();
    return client.quit().then(
      () => undefined,
      () => client.disconnect(),
    );
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A beat coordination connection for a `redis://` or `rediss://` URL and `namespace`
 * (`celeriac` by default): the same shape as `createMemoryBeatCoordination`.
 */
export function createRedisBeatCoordination(
  url: string,
  options: { namespace?: string } & RedisBeatCoordinationOptions = {},
): RedisBeatCoordination {
  return new RedisBeatCoordination(url, options);
}
