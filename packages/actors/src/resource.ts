/**
 * Declared resources and the scope that holds them (STYLE.md 5): acquired in declaration
 * order with a timeout, released in reverse order, each release run even if another
 * throws, each receiving the exit reason, closing twice harmless. A release is registered
 * only once its acquire has succeeded.
 */
import type { ActorRef } from './actor-ref.js';
import type { Clock } from './clock.js';
import {
  ActorInterruptedError,
  ResourceAcquireError,
  ResourceReleaseError,
  ResourceTimeoutError,
} from './errors.js';
import type { ExitReason } from './state.js';

/** What `acquire` receives. */
export interface AcquireContext {
  /** Fires when the actor is stopped or crashes while this acquire is in flight. */
  readonly signal: AbortSignal;
  /** The acquiring actor. */
  readonly actor: ActorRef;
}

/** Anything `using`/`await using` can dispose. */
export type Disposable = AsyncDisposable | globalThis.Disposable;

/**
 * A factory whose value disposes itself (`Symbol.asyncDispose` or `Symbol.dispose`);
 * releasing a value that is neither throws.
 */
export type ResourceFactory<T = unknown> = (ctx: AcquireContext) => T | Promise<T>;

/** An explicit acquire/release pair, with an optional per-resource acquire timeout. */
export interface ResourcePair<T = unknown> {
  /** Creates the value. */
  acquire(ctx: AcquireContext): T | Promise<T>;
  /** Releases the value; receives why. Called at most once per successful acquire. */
  release?(value: T, reason: ExitReason): void | Promise<void>;
  /** Acquire timeout in ms; overrides the definition's `resourceTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** One declared resource of value type `T`: a factory of a disposable, or a pair. */
export type ResourceSpec<T = unknown> = ResourceFactory<T> | ResourcePair<T>;

/** The values an actor's resources hold, by name: what `actor.resources` reads. */
export type ResourceMap = Record<string, unknown>;

/** The `resources` field of a definition: one spec per name, acquired in key order. */
export type ResourceSpecs<R extends ResourceMap> = { readonly [K in keyof R]: ResourceSpec<R[K]> };

interface Held {
  readonly name: string;
  readonly value: unknown;
  readonly release: Release;
}

function releaserOf(spec: ResourceSpec, name: string): Release {
  if (typeof spec !== 'function' && spec.release !== undefined) {
    return (value, reason) => spec.release!(value, reason);
  }
  return async (value) => {
    const v = value as Partial<AsyncDisposable & globalThis.Disposable> | null;
    const asyncDispose = v?.[Symbol.asyncDispose];
    const dispose = v?.[Symbol.dispose];
    if (typeof asyncDispose === 'function') {
      await asyncDispose.call(v);
    } else if (typeof dispose === 'function') {
      dispose.call(v);
    } else if (typeof spec === 'function') {
      throw new TypeError(`resource "${name}" is neither AsyncDisposable nor Disposable`);
    }
  };
}

/** Releases one held value; receives why. */
export type Release = (value: unknown, reason: ExitReason) => void | Promise<void>;

/**
 * The resources of one actor lifetime (one start). Created when resources are acquired,
 * closed once; a restart makes a new scope.
 */
export class ResourceScope {
  /** Acquired values by name; the object behind `actor.resources`. */
  readonly values: Record<string, unknown> = {};
  readonly #held: Held[] = [];
  readonly #abort = new AbortController();
  #acquiring: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #interrupted: string | undefined;

  readonly #actor: ActorRef;
  readonly #clock: Clock;

  constructor(actor: ActorRef, clock: Clock) {
    this.#actor = actor;
    this.#clock = clock;
  }

  /** Whether {@link ResourceScope.close} has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Fires when the scope closes (a stop, restart or crash), also while acquiring. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** The resource whose pending acquire the closing interrupted, if any. */
  get interrupted(): string | undefined {
    return this.#interrupted;
  }

  /**
   * Acquires every spec in order. On the first failure releases what was acquired (reason
   * `crash`) and throws {@link ResourceAcquireError} or {@link ResourceTimeoutError}; a
   * release failure on that path is attached as the error's `releaseError`. Closing the
   * scope meanwhile interrupts the pending acquire at once (its signal fires; a value it
   * still delivers is released when it arrives) and leaves the releases to `close`.
   */
  acquire(specs: ResourceSpecs<ResourceMap>, defaultTimeoutMs: number): Promise<void> {
    this.#acquiring = this.#acquireAll(specs, defaultTimeoutMs);
    return this.#acquiring;
  }

  async #acquireAll(specs: ResourceSpecs<ResourceMap>, defaultTimeoutMs: number): Promise<void> {
    const ctx: AcquireContext = { signal: this.#abort.signal, actor: this.#actor };
    for (const name in specs) {
      if (this.#abort.signal.aborted) return;
      const spec = specs[name]!;
      const acquire: ResourceFactory = typeof spec === 'function' ? spec : (c) => spec.acquire(c);
      const timeoutMs =
        (typeof spec === 'function' ? undefined : spec.timeoutMs) ?? defaultTimeoutMs;
      const release = releaserOf(spec, name);
      let value: unknown;
      try {
        value = await this.#bounded(name, timeoutMs, acquire(ctx), release);
      } catch (error) {
        // Interrupted by close(), which releases what is held with its own reason.
        if (this.#abort.signal.aborted) return;
        const failure =
          error instanceof ResourceTimeoutError
            ? error
            : new ResourceAcquireError(this.#actor.path, name, error);
        await this.#releaseAll('crash').catch((releaseError: unknown) => {
          failure.releaseError = releaseError as ResourceReleaseError;
        });
        throw failure;
      }
      this.#held.push({ name, value, release });
      this.values[name] = value;
    }
  }

  /** Settles with the acquire, or rejects on its timeout or when the scope closes. */
  #bounded<T>(name: string, timeoutMs: number, work: T | Promise<T>, release: Release): Promise<T> {
    if (!(work instanceof Promise)) return Promise.resolve(work);
    const signal = this.#abort.signal;
    return new Promise<T>((resolve, reject) => {
      // A value that arrives after its timeout or interruption would leak: release it
      // when it comes. Its release error has no one left to tell, the actor moved on.
      const releaseLate = (): void => {
        work.then(
          (late) => Promise.resolve(release(late, 'crash')).catch(() => undefined),
          () => undefined,
        );
      };
      const onAbort = (): void => {
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        this.#interrupted = name;
        reject(signal.reason as Error);
        releaseLate();
      };
      const timer = Number.isFinite(timeoutMs)
        ? this.#clock.setTimeout(() => {
            signal.removeEventListener('abort', onAbort);
            reject(new ResourceTimeoutError(this.#actor.path, name, timeoutMs));
            releaseLate();
          }, timeoutMs)
        : undefined;
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          if (timer !== undefined) this.#clock.clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          if (timer !== undefined) this.#clock.clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the user's error through as thrown
          reject(error);
        },
      );
    });
  }

  /**
   * Holds a value acquired outside the declared specs (a supervisor's child), released
   * with the others in reverse order of holding. Throws when the scope is closed.
   */
  hold(name: string, value: unknown, release: Release): void {
    if (this.closed) throw new Error(`resource scope of ${this.#actor.path} is closed`);
    this.#held.push({ name, value, release });
    this.values[name] = value;
  }

  /** Forgets a held value without releasing it (its owner releases it); false if not held. */
  drop(name: string): boolean {
    const at = this.#held.findIndex((h) => h.name === name);
    if (at < 0) return false;
    this.#held.splice(at, 1);
    delete this.values[name];
    return true;
  }

  /**
   * Releases everything held, in reverse order, once: a second call returns the first
   * call's promise. Interrupts an acquire in flight first. Rejects with
   * {@link ResourceReleaseError} when any release threw (after all of them ran).
   */
  close(reason: ExitReason): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort(new ActorInterruptedError(this.#actor.path, 'start', reason));
      await this.#acquiring?.catch(() => undefined);
      await this.#releaseAll(reason);
    })();
    return this.#closing;
  }

  async #releaseAll(reason: ExitReason): Promise<void> {
    const errors: { resource: string; error: unknown }[] = [];
    for (let held = this.#held.pop(); held !== undefined; held = this.#held.pop()) {
      delete this.values[held.name];
      try {
        await held.release(held.value, reason);
      } catch (error) {
        errors.push({ resource: held.name, error });
      }
    }
    if (errors.length > 0) throw new ResourceReleaseError(this.#actor.path, errors);
  }
}

/**
 * The resources of one actor across its lifetimes: a fresh scope per start, and a release
 * that a restart or a later stop waits for rather than repeats.
 */
export class ResourceHolder {
  #scope: ResourceScope | undefined;
  #releasing: Promise<void> | undefined;

  /** The acquired values, or `undefined` when nothing is held. */
  get values(): Record<string, unknown> | undefined {
    return this.#scope?.values;
  }

  /** The scope of the current lifetime, from the start of acquiring until released. */
  get scope(): ResourceScope | undefined {
    return this.#scope;
  }

  /**
   * Opens a new scope at once (so a stop meanwhile closes it), waits for any earlier
   * release, then acquires `specs` in it.
   */
  async acquire(
    actor: ActorRef,
    clock: Clock,
    specs: ResourceSpecs<ResourceMap>,
    timeoutMs: number,
  ): Promise<ResourceScope> {
    const scope = (this.#scope = new ResourceScope(actor, clock));
    await this.#releasing?.catch(() => undefined);
    if (!scope.closed) await scope.acquire(specs, timeoutMs);
    return scope;
  }

  /** Closes the current scope once; rejects with {@link ResourceReleaseError}. */
  async release(reason: ExitReason): Promise<void> {
    const scope = this.#scope;
    if (scope === undefined) {
      await this.#releasing?.catch(() => undefined);
      return;
    }
    this.#scope = undefined;
    this.#releasing = scope.close(reason);
    await this.#releasing;
  }
}
