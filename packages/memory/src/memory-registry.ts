/**
 * The process-wide registry behind `memory://` URLs: one broker and one result store per
 * URL host (and one beat coordination store per host and namespace), so every transport,
 * backend and coordination created from `memory://foo` in a process shares the same
 * messages, results and schedule state.
 */
import { TransportError } from '@celeriac/protocol';
import { MemoryBeatStore } from './memory-beat-store.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryResultStore } from './memory-result-store.js';

const brokers = new Map<string, MemoryBroker>();
const stores = new Map<string, MemoryResultStore>();
const beatStores = new Map<string, MemoryBeatStore>();

/**
 * The name a `memory://` URL selects: its host (`memory://` and `memory:///` → `""`,
 * `memory://Foo` → `"foo"`). Any other scheme throws a `TransportError`.
 */
export function memoryUrlName(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TransportError(`invalid memory URL ${JSON.stringify(url)}`, { cause });
  }
  if (parsed.protocol !== 'memory:') {
    throw new TransportError(`expected a memory:// URL, got ${JSON.stringify(url)}`);
  }
  // Host names are case-insensitive, as in every other URL scheme celeriac takes.
  return decodeURIComponent(parsed.hostname).toLowerCase();
}

/** The shared broker registered under `name`, created on first use. */
export function memoryBroker(name = ''): MemoryBroker {
  let broker = brokers.get(name);
  if (!broker) {
    broker = new MemoryBroker({ name });
    brokers.set(name, broker);
  }
  return broker;
}

/** The shared result store registered under `name`, created on first use. */
export function memoryResultStore(name = ''): MemoryResultStore {
  let store = stores.get(name);
  if (!store) {
    store = new MemoryResultStore({ name });
    stores.set(name, store);
  }
  return store;
}

/** The shared beat coordination store of `name` and `namespace`, created on first use. */
export function memoryBeatStore(name = '', namespace = 'celeriac'): MemoryBeatStore {
  const key = `${name}\u0000${namespace}`;
  let store = beatStores.get(key);
  if (!store) {
    store = new MemoryBeatStore({ name, namespace });
    beatStores.set(key, store);
  }
  return store;
}

/**
 * Forget every shared broker, result store and beat store (for a clean process-wide state
 * in tests).
 */
export function resetMemoryRegistry(): void {
  brokers.clear();
  stores.clear();
  beatStores.clear();
}
