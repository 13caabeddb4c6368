/**
 * The process-wide registry behind `memory://` URLs: one broker and one result store per
 * URL host, so every transport and backend created from `memory://foo` in a process
 * shares the same messages and results.
 */
import { TransportError } from '@celeriac/protocol';
import { MemoryBroker } from './memory-broker.js';
import { MemoryResultStore } from './memory-result-store.js';

const brokers = new Map<string, MemoryBroker>();
const stores = new Map<string, MemoryResultStore>();

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

/** Forget every shared broker and result store (for a clean process-wide state in tests). */
export function resetMemoryRegistry(): void {
  brokers.clear();
  stores.clear();
}
