/**
 * What a result-store author hands {@link resultBackendConformance}.
 */
import type { ResultBackend } from '@celeriac/protocol';

/** Options the suite passes when it creates a backend. */
export interface CreateBackendOptions {
  /** Results stored through this backend expire after this many ms (expiry tests only). */
  expiresMs?: number;
}

/**
 * Backends over one store for one test. `setup` is called before every test. The suite
 * uses two backends per test, a writer (the worker) and a reader (the client), and stores
 * with the reader's `replyTo` as `StoreContext`, so `rpc://` can route replies.
 */
export interface ResultBackendFixture {
  /** A new, not yet connected backend; every call must reach the same store. */
  createBackend(options: CreateBackendOptions): ResultBackend | Promise<ResultBackend>;
  /** Runs after each test, once the suite closed its backends. */
  cleanup?(): void | Promise<void>;
  /** Whether stored results expire (default false); enables the expiry test. */
  supportsExpiry?: boolean;
  /** The short `expiresMs` the expiry test uses (default 200; Redis may want 1000). */
  expiresMs?: number;
  /**
   * Whether the store implements `claimDedup`/`releaseDedup` (default false: the dedup
   * cases are skipped). `expiresMs` is the TTL the expiry case uses.
   */
  supportsDedup?: boolean;
  /** Whether `forget` deletes results (default true). */
  supportsForget?: boolean;
  /** Whether `saveGroup`/`getGroup` work (default true). */
  supportsGroups?: boolean;
  /**
   * Whether the store notifies waiters (default true). A notifying store must resolve
   * `wait` within `notifyWithinMs` of the store, which no sane polling interval does.
   */
  notifies?: boolean;
  /** Bound on store-to-wake-up latency of a notifying store, in ms (default 100). */
  notifyWithinMs?: number;
  /** Bound of every wait for something that must happen, in ms (default 5000). */
  timeoutMs?: number;
}
