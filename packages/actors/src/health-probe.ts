/**
 * The health probe of an actor with a `healthCheck`: an invoked callback actor of the
 * `started` state, so XState's synchronous cleanup stops it on every way out.
 */
import type { ActorInstance } from './actor.js';
import { HealthCheckError } from './errors.js';
import type { LifecycleEvent } from './machine.js';
import { Health } from './state.js';

const HEALTHS: readonly string[] = Object.values(Health);

/**
 * Runs the definition's health check every `intervalMs` on the system clock while the
 * actor is started (skipping while paused); a changed result becomes a `health` event, a
 * throw becomes a crash. Returns the synchronous cleanup XState calls on leaving `started`.
 */
export function startHealthProbe(
  actor: ActorInstance,
  send: (event: LifecycleEvent) => void,
): () => void {
  const healthCheck = actor.definition.spec.healthCheck!;
  const clock = actor.core.clock;
  const abort = new AbortController();
  let timer: unknown;
  let live = true;
  const schedule = (): void => {
    timer = clock.setTimeout(tick, healthCheck.intervalMs);
  };
  const tick = (): void => {
    timer = undefined;
    if (actor.health === undefined) {
      schedule();
      return;
    }
    Promise.resolve()
      .then(() => {
        const ctx = { resources: actor.resources, signal: abort.signal };
        // The lifetime is the active context while checking: the check's spans nest in it.
        const span = actor.span;
        return span === undefined
          ? healthCheck.check(ctx)
          : actor.core.telemetry.within(span, healthCheck.check, ctx);
      })
      .then(
        (result) => {
          if (!live) return;
          const { health, reason } =
            typeof result === 'object' && result !== null
              ? result
              : { health: result, reason: undefined };
          if (!HEALTHS.includes(health)) {
            const returned = new Error(
              `it returned ${JSON.stringify(result)}, not a health level (${HEALTHS.join(', ')})`,
            );
            send({ type: 'crash', error: new HealthCheckError(actor.path, returned) });
            return;
          }
          const current = actor.health;
          if (current !== undefined && current !== health) {
            send(
              typeof reason === 'string'
                ? { type: 'health', health, reason }
                : { type: 'health', health },
            );
          }
          schedule();
        },
        (error: unknown) => {
          if (live) send({ type: 'crash', error: new HealthCheckError(actor.path, error) });
        },
      );
  };
  schedule();
  return () => {
    live = false;
    abort.abort();
    if (timer !== undefined) clock.clearTimeout(timer);
  };
}
