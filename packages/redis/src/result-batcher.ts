/**
 * Result stores of many tasks in one script call: every store asked for in the same tick
 * (flushed on `process.nextTick`, as acks are in `ack-batcher.ts`) becomes one
 * `celeriacStoreResults` call that runs, per result and in the order asked, what one store
 * runs alone: refuse to replace a ready state, SETEX (or PSETEX / SET) the meta and
 * PUBLISH it on the key's name. Keys and payloads are Celery's, byte for byte.
 *
 * A busy worker stores thousands of results a second; one script call each cost Redis a
 * script invocation per result and the client a command, a reply and a promise per result
 * — the same wall that acks hit before they were batched.
 *
 * Each store still settles alone: the script runs each result's commands under
 * `redis.pcall` and answers 1 (stored), 0 (refused) or the error's text for that result,
 * so one failing key (a key of another type) fails its own store only. Stores of one task
 * keep their order: a batch runs them in the order asked, and batches run in the order
 * sent on the one command connection.
 */
import { TransportError } from '@celeriac/protocol';
import type { ScriptedRedis } from './lua-scripts.js';

/** Most results in one call (bounds the script's run and the reply). */
export const MAX_RESULT_BATCH = 500;

interface PendingStore {
  key: string;
  json: string;
  ready: boolean;
  resolve: (stored: boolean) => void;
  reject: (error: unknown) => void;
}

/** Batches the result stores of one tick on one (non-Cluster) command connection. */
export class ResultBatcher {
  readonly #command: () => Promise<ScriptedRedis>;
  readonly #expiresMs: number;
  #open: PendingStore[] | undefined;

  /** `command` gives the connected command client; `expiresMs` 0 keeps results forever. */
  constructor(command: () => Promise<ScriptedRedis>, expiresMs: number) {
    this.#command = command;
    this.#expiresMs = expiresMs;
  }

  /** Store `json` under `key` (and publish it); resolves false when a ready state refused it. */
  store(key: string, json: string, ready: boolean): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let batch = this.#open;
      if (!batch) {
        batch = [];
        this.#open = batch;
        const scheduled = batch;
        process.nextTick(() => void this.#flush(scheduled));
      }
      batch.push({ key, json, ready, resolve, reject });
      if (batch.length >= MAX_RESULT_BATCH) void this.#flush(batch);
    });
  }

  async #flush(batch: PendingStore[]): Promise<void> {
    if (this.#open !== batch) return; // flushed early when it filled up
    this.#open = undefined;
    const keys = new Array<string>(batch.length);
    const args = new Array<string | number>(batch.length * 2 + 1);
    args[0] = this.#expiresMs;
    for (let i = 0; i < batch.length; i++) {
      const store = batch[i]!;
      keys[i] = store.key;
      args[2 * i + 1] = store.json;
      args[2 * i + 2] = store.ready ? '1' : '0';
    }
    let replies: unknown[];
    try {
      const redis = await this.#command();
      replies = await redis.celeriacStoreResults(keys, ...args);
    } catch (error) {
      for (const store of batch) store.reject(error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const store = batch[i]!;
      const reply = replies[i];
      if (typeof reply === 'number') store.resolve(reply === 1);
      else
        store.reject(
          new TransportError(`Could not store the result ${store.key}: ${String(reply)}`),
        );
    }
  }
}
